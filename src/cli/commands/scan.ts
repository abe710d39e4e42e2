/**
 * `warden scan [--config FILE] [--tools FILE.json] [--server NAME] [--json]`: the tool-poisoning
 * scan on demand. Tools come from `--tools` (a tools/list result, an array, or
 * `{ "<server>": [tools] }`), or else from the definitions last seen by the gateway (the pin
 * table in `--db`/the config's data dir). Exit 1 when a finding reaches the scan threshold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import {
  createPinStore, createPoisoningScanner, formatFinding, integrityConfigSchema, SEVERITY_RANK,
  type IntegrityConfig, type ToolFinding, type ToolLike,
} from '../../integrity/index.ts';
import { dbPathForConfig } from '../../store/sqlite.ts';

export interface ScanIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
  /** Highlight with ANSI colours (default: stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

const USAGE = 'usage: warden scan [--config FILE] [--tools FILE.json] [--server NAME] [--db PATH] [--json]';

/** Server → tools from a JSON file in any of the accepted shapes. */
function toolsFromFile(file: string, server: string): Map<string, ToolLike[]> {
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const isTools = (x: unknown): x is ToolLike[] => Array.isArray(x) && x.every((t) => t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string');
  if (isTools(v)) return new Map([[server, v]]);
  if (v && typeof v === 'object' && isTools((v as { tools?: unknown }).tools)) return new Map([[server, (v as { tools: ToolLike[] }).tools]]);
  if (v && typeof v === 'object' && Object.values(v).every(isTools)) return new Map(Object.entries(v as Record<string, ToolLike[]>));
  throw new Error(`${file}: expected an array of tools, { "tools": [...] } or { "<server>": [...] }`);
}

export async function run(argv: string[], io: ScanIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, strict: true,
      options: { config: { type: 'string', short: 'c' }, tools: { type: 'string' }, server: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) return (io.stdout(USAGE), 0);
  const configPath = values.config ?? io.configPath;
  try {
    let config: IntegrityConfig = integrityConfigSchema.parse({});
    if (configPath && existsSync(configPath)) {
      const raw = parseYaml(readFileSync(configPath, 'utf8')) as { integrity?: unknown } | null;
      config = integrityConfigSchema.parse(raw?.integrity ?? {});
    }
    let servers: Map<string, ToolLike[]>;
    if (values.tools) servers = toolsFromFile(values.tools, values.server ?? 'tools');
    else {
      const dbPath = dbPathForConfig(configPath, values.db);
      if (!existsSync(dbPath)) throw new Error(`no --tools file and no database at ${dbPath}; run the gateway once or pass --tools FILE.json`);
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        servers = new Map();
        for (const p of createPinStore(db).list()) {
          const def = JSON.parse(p.pendingDefinition ?? p.definition) as ToolLike;
          servers.set(p.server, [...(servers.get(p.server) ?? []), def]);
        }
      } finally {
        db.close();
      }
    }
    if (values.server) servers = new Map([...servers].filter(([s]) => s === values.server));

    const scanner = createPoisoningScanner({ maxDescriptionLength: config.scan.maxDescriptionLength });
    const results: Array<{ server: string; tool: string; findings: ToolFinding[] }> = [];
    for (const [server, tools] of servers) {
      const foreign = new Set([...servers].filter(([s]) => s !== server).flatMap(([, ts]) => ts.map((t) => t.name)));
      for (const [tool, findings] of scanner.scanServer(tools, { foreignTools: foreign })) {
        const kept = findings.filter((f) => !config.suppress.some((s) => s.server === server && (s.tool === undefined || s.tool === tool) && s.rule === f.rule));
        results.push({ server, tool, findings: kept });
      }
    }
    const threshold = SEVERITY_RANK[config.scan.threshold];
    const failing = results.some((r) => r.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold));
    if (values.json) {
      io.stdout(JSON.stringify({ threshold: config.scan.threshold, results: results.filter((r) => r.findings.length) }, null, 2));
    } else {
      const color = io.color ?? (!!process.stdout.isTTY && !process.env.NO_COLOR);
      let n = 0;
      for (const r of results) for (const f of r.findings) (io.stdout(formatFinding(r.server, r.tool, f, color)), n++);
      const toolCount = results.length;
      io.stdout(`${n ? '\n' : ''}${toolCount} tools scanned on ${servers.size} servers, ${n} findings${failing ? ` (some at or above ${config.scan.threshold})` : ''}`);
    }
    return failing ? 1 : 0;
  } catch (err) {
    io.stderr(`warden scan: ${(err as Error).message}`);
    return 2;
  }
}
