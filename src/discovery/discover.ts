/**
 * Shadow MCP discovery (issue 8): reads the MCP client config files on a machine and reports
 * every configured server, split into those that already go through Warden (their URL is a
 * Warden gateway URL, or their command runs `warden stdio`) and the shadow ones that bypass it.
 * Malformed files become problems; nothing here throws on file contents.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LOCATIONS, type Base, type Format, type Platform } from './clients.ts';
import { parseJsonc } from './jsonc.ts';
import { redactArgs, redactValue } from './redact.ts';

/** What Warden knows: gateway URLs agents should use, and the upstreams it already serves. */
export interface KnownServers {
  /** URLs of Warden endpoints, e.g. `http://127.0.0.1:8788/mcp`; any URL under them is routed. */
  readonly gatewayUrls?: readonly string[];
  /** Upstreams registered in Warden's config (`servers:`), to say whether a shadow server is known. */
  readonly upstreams?: Readonly<Record<string, { readonly command?: readonly string[]; readonly url?: string }>>;
}

export interface DiscoverOptions {
  readonly home: string;
  readonly platform: Platform;
  /** Project root scanned for project-level files (.mcp.json, .cursor/mcp.json, .vscode/mcp.json…). */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly knownServers?: KnownServers;
  /** Files larger than this are reported, not parsed (default 5 MB). */
  readonly maxFileBytes?: number;
}

export interface DiscoveredServer {
  readonly client: string;
  readonly file: string;
  readonly format: Format;
  /** Where the server map lives inside the file (for --fix). */
  readonly container: readonly string[];
  readonly scope: 'user' | 'project';
  /** For Claude Code per-project entries: the project path. */
  readonly project?: string;
  readonly name: string;
  readonly transport: 'stdio' | 'http' | 'sse';
  readonly command?: string;
  /** Arguments, with credentials replaced by `<redacted>`. */
  readonly args?: readonly string[];
  /** URL, with credentials replaced by `<redacted>`. */
  readonly url?: string;
  /** Already reaches its server through Warden. */
  readonly viaWarden: boolean;
  /** Name of the Warden upstream with the same command or URL, when Warden serves it too. */
  readonly knownUpstream?: string;
  readonly disabled?: boolean;
}

export interface DiscoveryProblem {
  readonly client: string;
  readonly file: string;
  readonly message: string;
}

export interface DiscoveryResult {
  /** Servers that bypass Warden. */
  readonly shadow: DiscoveredServer[];
  /** Servers already routed through Warden. */
  readonly routed: DiscoveredServer[];
  readonly problems: DiscoveryProblem[];
  /** Config files that exist and were read. */
  readonly files: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const strArr = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);

function baseDir(base: Exclude<Base, 'project'>, o: DiscoverOptions): string {
  const env = o.env ?? {};
  const appData = env.APPDATA || join(o.home, 'AppData', 'Roaming');
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(o.home, '.config');
  if (base === 'home') return o.home;
  if (base === 'xdg') return o.platform === 'win32' ? appData : xdg;
  return o.platform === 'win32' ? appData : o.platform === 'darwin' ? join(o.home, 'Library', 'Application Support') : xdg;
}

/** Normalises a URL for prefix comparison: lower-case scheme and host, loopback names equal, no trailing slash. */
export function normalizeUrl(u: string): string | undefined {
  try {
    const x = new URL(u);
    let host = x.hostname.toLowerCase();
    if (host === 'localhost' || host === '[::1]' || host === '::1') host = '127.0.0.1';
    const port = x.port || (x.protocol === 'https:' ? '443' : '80');
    return `${x.protocol}//${host}:${port}${x.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

const WARDEN_BIN = /^warden(?:-mcp)?(?:\.js|\.cmd|\.exe|\.mjs)?$/i;

/** True when the command line runs `warden … stdio` (directly, via npx/node, or a path to bin/warden.js). */
export function runsWardenStdio(command: string | undefined, args: readonly string[] = []): boolean {
  if (!command) return false;
  const tokens = [command, ...args];
  const i = tokens.findIndex((t) => WARDEN_BIN.test(basename(t.replace(/\\/g, '/'))) || /(?:^|[/@])warden-mcp(?:@[\w.^~-]+)?$/.test(t));
  return i >= 0 && tokens.slice(i + 1).includes('stdio');
}

interface RawEntry {
  name: string;
  value: unknown;
  container: string[];
  project?: string;
}

/** Extracts the server maps of one parsed file. Wrong shapes become problems. */
function entriesOf(format: Format, doc: unknown, problem: (m: string) => void): RawEntry[] {
  if (!isObj(doc)) {
    problem('top level is not an object');
    return [];
  }
  const fromMap = (m: unknown, container: string[], project?: string): RawEntry[] => {
    if (m === undefined) return [];
    if (!isObj(m)) {
      problem(`${container.join('.')} is not an object`);
      return [];
    }
    return Object.entries(m).map(([name, value]) => ({ name, value, container, ...(project ? { project } : {}) }));
  };
  const fromList = (l: unknown, container: string[]): RawEntry[] => {
    if (!Array.isArray(l)) return fromMap(l, container);
    return l.map((v, i) => ({ name: isObj(v) && typeof v.name === 'string' ? v.name : `#${i}`, value: v, container }));
  };
  switch (format) {
    case 'mcpServers':
      return fromMap(doc.mcpServers, ['mcpServers']);
    case 'claude-code': {
      const out = fromMap(doc.mcpServers, ['mcpServers']);
      if (doc.projects !== undefined && !isObj(doc.projects)) problem('projects is not an object');
      else if (isObj(doc.projects)) {
        for (const [p, v] of Object.entries(doc.projects)) if (isObj(v)) out.push(...fromMap(v.mcpServers, ['projects', p, 'mcpServers'], p));
      }
      return out;
    }
    case 'vscode-settings':
      if (doc['mcp.servers'] !== undefined) return fromMap(doc['mcp.servers'], ['mcp.servers']);
      return isObj(doc.mcp) ? fromMap(doc.mcp.servers, ['mcp', 'servers']) : [];
    case 'vscode-mcp':
      return fromMap(doc.servers, ['servers']);
    case 'zed':
      return fromMap(doc.context_servers, ['context_servers']);
    case 'continue': {
      const out = fromList(doc.mcpServers, ['mcpServers']);
      const exp = isObj(doc.experimental) ? doc.experimental.modelContextProtocolServers : undefined;
      if (exp !== undefined) out.push(...fromList(exp, ['experimental', 'modelContextProtocolServers']));
      return out;
    }
    case 'goose':
      return fromMap(doc.extensions, ['extensions']);
    case 'opencode':
      return fromMap(doc.mcp, ['mcp']);
  }
}

/** Reads command/args/url from the many entry shapes clients use. */
function shapeOf(format: Format, v: Obj): { command?: string; args?: string[]; url?: string; type?: string; disabled?: boolean } | undefined {
  let e: Obj = v;
  if (format === 'continue' && isObj(v.transport)) e = v.transport;
  let command: string | undefined;
  let args = strArr(e.args) ?? [];
  if (typeof e.command === 'string') command = e.command;
  else if (strArr(e.command)?.length) [command, ...args] = [...strArr(e.command)!, ...args]; // opencode: command array
  else if (isObj(e.command) && typeof e.command.path === 'string') {
    command = e.command.path; // older Zed: { command: { path, args, env } }
    args = strArr(e.command.args) ?? args;
  } else if (typeof e.cmd === 'string') command = e.cmd; // Goose
  const urlRaw = [e.url, e.serverUrl, e.httpUrl, e.uri].find((x) => typeof x === 'string') as string | undefined;
  if (command === undefined && urlRaw === undefined) return undefined;
  const disabled = e.disabled === true || e.enabled === false;
  return {
    ...(command !== undefined ? { command, args } : {}),
    ...(urlRaw !== undefined ? { url: urlRaw } : {}),
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(disabled ? { disabled } : {}),
  };
}

/** Scans every known client config for `opts.platform` under `opts.home` (and `opts.cwd`). */
export function discover(opts: DiscoverOptions): DiscoveryResult {
  const res: DiscoveryResult = { shadow: [], routed: [], problems: [], files: [] };
  const gateways = (opts.knownServers?.gatewayUrls ?? []).map(normalizeUrl).filter((x): x is string => !!x);
  const upstreams = Object.entries(opts.knownServers?.upstreams ?? {});
  const maxBytes = opts.maxFileBytes ?? 5 * 1024 * 1024;
  const projects = new Set<string>(opts.cwd ? [opts.cwd] : []);
  const seenFiles = new Set<string>();

  const scanFile = (client: string, file: string, format: Format, scope: 'user' | 'project'): void => {
    if (seenFiles.has(file)) return;
    seenFiles.add(file);
    let text: string;
    try {
      if (!existsSync(file)) return;
      const st = statSync(file);
      if (!st.isFile()) return;
      if (st.size > maxBytes) {
        res.problems.push({ client, file, message: `file is larger than ${maxBytes} bytes; not read` });
        return;
      }
      text = readFileSync(file, 'utf8');
    } catch (e) {
      res.problems.push({ client, file, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}` });
      return;
    }
    res.files.push(file);
    let doc: unknown;
    if (file.endsWith('.yaml') || file.endsWith('.yml')) {
      try {
        doc = parseYaml(text);
      } catch (e) {
        res.problems.push({ client, file, message: `invalid YAML: ${e instanceof Error ? e.message.split('\n')[0] : 'parse error'}` });
        return;
      }
    } else {
      if (text.trim() === '') return; // an empty settings file is common and harmless
      const p = parseJsonc(text);
      if (!p.ok) {
        res.problems.push({ client, file, message: `invalid JSON: ${p.error}` });
        return;
      }
      doc = p.value;
    }
    if (doc === null || doc === undefined) return;
    const entries = entriesOf(format, doc, (message) => res.problems.push({ client, file, message }));
    if (format === 'claude-code' && isObj(doc) && isObj(doc.projects)) for (const p of Object.keys(doc.projects)) if (isAbsolute(p)) projects.add(p);
    for (const en of entries) {
      const shape = isObj(en.value) ? shapeOf(format, en.value) : undefined;
      if (!shape) {
        res.problems.push({ client, file, message: `server "${en.name}": neither a command nor a URL` });
        continue;
      }
      const transport: DiscoveredServer['transport'] = shape.command !== undefined ? 'stdio' : /sse/i.test(shape.type ?? '') ? 'sse' : 'http';
      const nurl = shape.url ? normalizeUrl(shape.url) : undefined;
      const viaWarden = runsWardenStdio(shape.command, shape.args) || (!!nurl && gateways.some((g) => nurl === g || nurl.startsWith(`${g}/`)));
      const known = upstreams.find(([, u]) =>
        (u.command && shape.command !== undefined && JSON.stringify(u.command) === JSON.stringify([shape.command, ...(shape.args ?? [])])) ||
        (u.url && nurl && normalizeUrl(u.url) === nurl));
      const s: DiscoveredServer = {
        client, file, format, container: en.container, scope: en.project ? 'project' : scope,
        ...(en.project ? { project: en.project } : {}),
        name: en.name, transport,
        // Reported values are redacted; matching above used the real ones.
        ...(shape.command !== undefined ? { command: redactValue(shape.command), args: redactArgs(shape.args ?? []) } : {}),
        ...(shape.url !== undefined ? { url: redactValue(shape.url) } : {}),
        viaWarden,
        ...(known ? { knownUpstream: known[0] } : {}),
        ...(shape.disabled ? { disabled: true } : {}),
      };
      (viaWarden ? res.routed : res.shadow).push(s);
    }
  };

  for (const loc of LOCATIONS) {
    if (loc.base === 'project' || (loc.platforms && !loc.platforms.includes(opts.platform))) continue;
    scanFile(loc.client, join(baseDir(loc.base, opts), ...loc.path), loc.format, 'user');
  }
  // Project files last: Claude Code's ~/.claude.json adds the projects it knows.
  for (const root of projects) {
    for (const loc of LOCATIONS) if (loc.base === 'project') scanFile(loc.client, join(root, ...loc.path), loc.format, 'project');
  }
  return res;
}
