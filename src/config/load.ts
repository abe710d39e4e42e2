/**
 * Loads config: YAML → secret references resolved → validated once → frozen.
 * Errors name the key path and the line; secret values never appear in messages.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, isStdio, type WardenConfig } from './schema.ts';
import { checkAuthBind } from '../auth/bind.ts';

export interface LoadedConfig {
  readonly config: WardenConfig;
  readonly warnings: readonly string[];
  /** Absolute path of the file, for reloads and relative paths. */
  readonly path: string | undefined;
  readonly baseDir: string;
}

/** A config that cannot be used. `problems` each name a key path (and line, when known). */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const REF = /\$\{(env|file):([^}]+)\}/g;
const CONFIG_DIR = /\$\{configDir\}/g;

/**
 * Replaces `${env:NAME}` (or `${env:NAME:-default}`), `${file:path}` (relative to the config
 * file) and `${configDir}` in every string; a missing variable or file is a problem.
 */
function resolveRefs(value: unknown, path: string[], baseDir: string, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    // ${configDir} first, so it can stand inside an env default.
    return value.replace(CONFIG_DIR, baseDir).replace(REF, (_m, kind: string, ref: string) => {
      if (kind === 'env') {
        const [name, fallback] = ref.split(':-', 2) as [string, string | undefined];
        const v = env[name] ?? fallback;
        if (v === undefined) {
          problems.push(`${path.join('.')}: environment variable ${name} is not set`);
          return '';
        }
        return v;
      }
      try {
        return readFileSync(resolve(baseDir, ref), 'utf8').trim();
      } catch {
        problems.push(`${path.join('.')}: cannot read secret file ${ref}`);
        return '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveRefs(v, [...path, String(i)], baseDir, env, problems));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveRefs(v, [...path, k], baseDir, env, problems);
    return out;
  }
  return value;
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // Walk up until a node with a range is found (a missing key reports its parent's line).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    const at = node && (isScalar(node) || typeof node === 'object') ? node.range?.[0] : undefined;
    if (at !== undefined) return counter.linePos(at).line;
  }
  return undefined;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_union') return 'must be a stdio server ({command: [...]}) or an HTTP server ({url: ...}), and nothing else';
  return issue.message;
}

/** Parses and validates config text. Throws ConfigError listing every problem. */
export function parseConfig(text: string, opts: { path?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `line ${counter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const baseDir = opts.path ? dirname(resolve(opts.path)) : process.cwd();
  const raw = doc.toJS() ?? {};
  const problems: string[] = [];
  const resolved = resolveRefs(raw, [], baseDir, opts.env ?? process.env, problems);
  if (problems.length) throw new ConfigError(problems);

  const parsed = configSchema.safeParse(resolved);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        // An unknown key is reported where the key itself stands.
        const path = i.code === 'unrecognized_keys' && i.keys.length === 1 ? [...i.path, i.keys[0]!] : i.path;
        const line = lineOf(doc, counter, path);
        const where = path.length ? path.join('.') : '(top level)';
        return `${where}${line ? ` (line ${line})` : ''}: ${describe(i)}`;
      }),
    );
  }
  const config = parsed.data;
  const bind = checkAuthBind(config.auth, config.server.host);
  if (bind) throw new ConfigError([bind]);
  const warnings = collectWarnings(config);
  return { config: deepFreeze(config), warnings, path: opts.path ? resolve(opts.path) : undefined, baseDir };
}

export function loadConfigFile(path: string, env?: NodeJS.ProcessEnv): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  return parseConfig(text, { path, env });
}

function collectWarnings(c: WardenConfig): string[] {
  const w: string[] = [];
  const prefixes = new Map<string, string>();
  for (const [name, s] of Object.entries(c.servers)) {
    const prefix = s.prefix ?? name;
    const other = prefixes.get(prefix);
    if (other) w.push(`servers.${name}.prefix: '${prefix}' is also used by servers.${other}; tool names would collide`);
    prefixes.set(prefix, name);
    if (s.disabled) w.push(`servers.${name}: disabled`);
    if (!isStdio(s) && s.url.startsWith('http://') && !/^http:\/\/(127\.|localhost|\[::1\])/.test(s.url)) {
      w.push(`servers.${name}.url: plain http to a non-loopback host sends Warden's upstream credentials unencrypted`);
    }
  }
  if (Object.keys(c.servers).length === 0) w.push('servers: none configured; agents will see no tools');
  if (c.auth.mode === 'none' && Object.keys(c.roles).length === 0) {
    w.push('auth.mode is none and no roles are configured: the local agent sees and may call every tool');
  }
  if (c.auth.mode === 'required' && Object.keys(c.roles).length === 0) {
    w.push('roles: none configured; with defaultDeny, authenticated agents see no tools');
  }
  return w;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
