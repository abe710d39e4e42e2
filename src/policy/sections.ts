/**
 * Loading the auth and policy sections for the CLI commands (`warden token|keys|explain|agents`).
 *
 * Until the lead adds `auth` and the policy keys to the root schema, `loadConfigFile` refuses a
 * file that has them (unknown keys). So: use `loadConfigFile` when it accepts the file, and
 * otherwise read the YAML, resolve `${env:…}`/`${file:…}` in OUR sections only, and validate
 * them with our own schemas. Either way the result is validated and every error names a key path.
 * Policy keys may sit under `policy:` or at the top level (`agents`, `roles`, `virtualServers`,
 * `defaultDeny`), as in the design sketch.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfigFile } from '../config/index.ts';
import { authConfigSchema, type AuthConfig } from '../auth/config.ts';
import { policyConfigSchema, type PolicyConfig } from './config.ts';
import type { CatalogTool } from './types.ts';

export interface Sections {
  readonly auth: AuthConfig;
  readonly policy: PolicyConfig;
  /** Where Warden keeps its state (signing key, warden.db). */
  readonly dataDir: string;
  readonly baseDir: string;
}

const REF = /\$\{(env|file):([^}]+)\}/g;

function resolveRefs(v: unknown, path: string, baseDir: string, problems: string[]): unknown {
  if (typeof v === 'string') {
    return v.replace(REF, (_m, kind: string, ref: string) => {
      if (kind === 'env') {
        const x = process.env[ref];
        if (x === undefined) problems.push(`${path}: environment variable ${ref} is not set`);
        return x ?? '';
      }
      try {
        return readFileSync(resolve(baseDir, ref), 'utf8').trim();
      } catch {
        problems.push(`${path}: cannot read secret file ${ref}`);
        return '';
      }
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => resolveRefs(x, `${path}[${i}]`, baseDir, problems));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, path ? `${path}.${k}` : k, baseDir, problems)]));
  return v;
}

function validate<T>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown, prefix: string, problems: string[]): T | undefined {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  for (const i of r.error.issues) problems.push(`${[prefix, ...i.path.map(String)].filter(Boolean).join('.')}: ${i.message}`);
  return undefined;
}

/** Loads and validates the sections. Throws {@link ConfigError}. */
export function loadSections(configPath: string | undefined, opts: { dataDir?: string } = {}): Sections {
  const path = resolve(configPath ?? 'warden.yaml');
  const baseDir = dirname(path);
  let raw: Record<string, unknown>;
  try {
    const loaded = loadConfigFile(path) as unknown as { config: Record<string, unknown> };
    raw = loaded.config; // already resolved and validated by the root schema (once the lead wires our sections)
  } catch (err) {
    if (!(err instanceof ConfigError) || /cannot read/.test(err.message)) throw err;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new ConfigError([`cannot read ${path}`]);
    }
    const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    const pick = (k: string) => (doc[k] === undefined ? undefined : resolveRefs(doc[k], k, baseDir, problems));
    raw = { auth: pick('auth'), policy: pick('policy'), agents: pick('agents'), roles: pick('roles'), virtualServers: pick('virtualServers'), defaultDeny: pick('defaultDeny'), dataDir: pick('dataDir') };
    if (problems.length) throw new ConfigError(problems);
  }
  const problems: string[] = [];
  const auth = validate(authConfigSchema, raw['auth'], 'auth', problems);
  const policyRaw = raw['policy'] ?? Object.fromEntries(['agents', 'roles', 'virtualServers', 'defaultDeny'].filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));
  const policy = validate(policyConfigSchema, policyRaw, raw['policy'] ? 'policy' : '', problems);
  if (problems.length || !auth || !policy) throw new ConfigError(problems);
  const dataDir = resolve(baseDir, opts.dataDir ?? (typeof raw['dataDir'] === 'string' ? raw['dataDir'] : process.env['WARDEN_DATA_DIR'] ?? '.warden'));
  return { auth, policy, dataDir, baseDir };
}

/**
 * Reads a catalog file: a JSON array (or `{ tools: [...] }`) of `{ server, name, exposed? }`;
 * `exposed` defaults to `<server>__<name>`.
 */
export function readCatalogFile(path: string): CatalogTool[] {
  const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const list = Array.isArray(data) ? data : (data as { tools?: unknown })?.tools;
  if (!Array.isArray(list)) throw new Error(`${path}: expected an array of {server, name} or {tools: [...]}`);
  return list.map((t: unknown, i) => {
    const o = t as { server?: unknown; name?: unknown; exposed?: unknown };
    if (typeof o?.server !== 'string' || typeof o.name !== 'string') throw new Error(`${path}: entry ${i} needs string server and name`);
    return { server: o.server, name: o.name, exposed: typeof o.exposed === 'string' ? o.exposed : `${o.server}__${o.name}` };
  });
}
