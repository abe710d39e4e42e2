/**
 * `warden discover --fix`: rewrites client configs so shadow servers are reached through Warden.
 *
 * The choice: a shadow entry whose command or URL Warden already serves as an upstream is
 * REMOVED and one `warden` entry running `warden stdio --config <warden.yaml>` is added in its
 * place (once per server map). Warden then serves that server's tools, namespaced, under its own
 * identity, policy and audit — stdio works in every client, unlike a gateway URL. Shadow servers
 * Warden does not know yet are left in place (removing them would silently break the user's
 * setup) and reported with a `servers:` snippet to register them; a second `--fix` then routes
 * them. Files are rewritten only when they are strict JSON (a JSONC file with comments would lose
 * them) and only after a byte-for-byte backup to `<file>.bak-<epoch ms>`.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { DiscoveredServer } from './discover.ts';

export interface FixOptions {
  /** The command line clients should run, e.g. `['warden', 'stdio', '--config', '/etc/warden.yaml']`. */
  readonly wardenCommand: readonly [string, ...string[]];
  /** Clock for the backup suffix. */
  readonly now: () => number;
}

export interface FileFix {
  readonly file: string;
  readonly client: string;
  readonly removed: readonly string[];
  /** Name of the entry added, or undefined when one routing through Warden was already there. */
  readonly added: string | undefined;
  readonly backup: string;
  readonly content: string;
}

export interface FixPlan {
  readonly fixes: FileFix[];
  readonly skipped: Array<{ file: string; reason: string; servers: string[] }>;
  /** Shadow servers Warden does not serve yet. */
  readonly unregistered: DiscoveredServer[];
}

type Obj = Record<string, unknown>;
const FIXABLE = new Set(['mcpServers', 'claude-code', 'vscode-settings', 'vscode-mcp', 'zed', 'opencode']);

function entryFor(format: string, cmd: readonly string[]): Obj {
  const [command, ...args] = cmd;
  if (format === 'opencode') return { type: 'local', command: [...cmd], enabled: true };
  if (format === 'vscode-settings' || format === 'vscode-mcp' || format === 'claude-code') return { type: 'stdio', command, args };
  return { command, args };
}

function containerIn(doc: Obj, path: readonly string[]): Obj | undefined {
  let cur: unknown = doc;
  for (const k of path) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Obj)[k];
  }
  return cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Obj) : undefined;
}

/** Works out the rewrites without touching the disk (besides reading the files). */
export function planFix(shadow: readonly DiscoveredServer[], opts: FixOptions): FixPlan {
  const plan: FixPlan = { fixes: [], skipped: [], unregistered: shadow.filter((s) => !s.knownUpstream) };
  const byFile = new Map<string, DiscoveredServer[]>();
  for (const s of shadow) if (s.knownUpstream) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  const stamp = opts.now();
  for (const [file, servers] of byFile) {
    const names = servers.map((s) => s.name);
    const format = servers[0]!.format;
    if (!FIXABLE.has(format)) {
      plan.skipped.push({ file, reason: `${format} files are not rewritten automatically; edit by hand`, servers: names });
      continue;
    }
    let doc: Obj;
    try {
      const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      doc = v as Obj;
    } catch {
      plan.skipped.push({ file, reason: 'not strict JSON (comments or trailing commas would be lost); edit by hand', servers: names });
      continue;
    }
    let added: string | undefined;
    const containers = new Map<string, readonly string[]>();
    for (const s of servers) containers.set(JSON.stringify(s.container), s.container);
    for (const path of containers.values()) {
      const c = containerIn(doc, path);
      if (!c) continue;
      for (const s of servers) if (JSON.stringify(s.container) === JSON.stringify(path)) delete c[s.name];
      let name = 'warden';
      for (let i = 2; name in c; i++) name = `warden-${i}`;
      c[name] = entryFor(format, opts.wardenCommand);
      added = name;
    }
    plan.fixes.push({
      file, client: servers[0]!.client, removed: names, added, backup: `${file}.bak-${stamp}`,
      content: `${JSON.stringify(doc, null, 2)}\n`,
    });
  }
  return plan;
}

/** Writes each backup, then the new file. Stops at the first failure (earlier files stay fixed and backed up). */
export function applyFix(plan: FixPlan): void {
  for (const f of plan.fixes) {
    copyFileSync(f.file, f.backup);
    writeFileSync(f.file, f.content);
  }
}

/** A `servers:` snippet for warden.yaml registering shadow servers Warden does not know yet. */
export function upstreamSnippet(servers: readonly DiscoveredServer[]): string {
  const out: Record<string, Obj> = {};
  for (const s of servers) {
    let key = s.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'server';
    for (let i = 2; key in out; i++) key = `${s.name.slice(0, 60)}-${i}`;
    out[key] = s.command !== undefined ? { command: [s.command, ...(s.args ?? [])] } : { url: s.url };
  }
  return stringify({ servers: out });
}
