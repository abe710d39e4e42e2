/**
 * Config for the CLI commands that read the policy and identity sections (`warden token|keys|
 * explain|agents`): the file is loaded exactly as the gateway loads it (`loadConfigFile`: secret
 * references resolved, the root schema validated, errors naming key paths), and the data
 * directory is the gateway's (`dataDirForConfig`), so a command and the gateway never disagree.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, type WardenConfig } from '../config/index.ts';
import { dataDirForConfig } from '../store/sqlite.ts';
import { compilePolicy } from './policy.ts';
import type { CatalogTool, Policy } from './types.ts';

export interface CliConfig {
  readonly config: WardenConfig;
  /** Where Warden keeps its state (signing key, warden.db). */
  readonly dataDir: string;
}

/**
 * Loads `configPath` (default `warden.yaml`) as the gateway would; `dataDir` (a `--data-dir`
 * flag) overrides the config's `storage.dataDir`. Throws `ConfigError`.
 */
export function loadCliConfig(configPath: string | undefined, dataDir?: string): CliConfig {
  const path = resolve(configPath ?? 'warden.yaml');
  return { config: loadConfigFile(path).config, dataDir: dataDirForConfig(path, dataDir) };
}

/**
 * The policy `warden explain|agents` speak about: the config's policy compiled against `catalog`
 * (the live one, when the caller has it) or else the `--tools FILE.json` catalog. Throws when
 * there is neither, or when the config or catalog is invalid.
 */
export function policyForCli(configPath: string | undefined, catalog: readonly CatalogTool[] | undefined, toolsFile: string | undefined): Policy {
  const tools = catalog ?? (toolsFile ? readCatalogFile(toolsFile) : undefined);
  if (!tools) throw new Error('no catalog: pass --tools FILE.json (a list of {server, name})');
  return compilePolicy(loadCliConfig(configPath).config, tools);
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
