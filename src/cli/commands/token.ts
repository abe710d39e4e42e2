/**
 * `warden token issue --agent ID [--ttl 1h]`: signs an access token with Warden's own signing key
 * (created in the data directory on first use). The token is printed on stdout and nowhere else.
 */
import { parseArgs } from 'node:util';
import { loadSigningKey, parseTtl } from '../../auth/index.ts';
import { loadCliConfig } from '../../policy/sections.ts';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  configPath?: string;
}

const USAGE = 'usage: warden token issue --agent ID [--ttl 1h] [--data-dir DIR]\n';

export async function run(argv: string[], io: CliIo): Promise<number> {
  let values: { agent?: string; ttl?: string; 'data-dir'?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { agent: { type: 'string' }, ttl: { type: 'string', default: '1h' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals[0] !== 'issue' || positionals.length !== 1 || !values.agent) {
    io.stderr(USAGE);
    return 2;
  }
  const ttlSec = parseTtl(values.ttl ?? '1h');
  if (!ttlSec) {
    io.stderr(`--ttl: expected a duration like 90s, 15m, 1h or 7d\n`);
    return 2;
  }
  try {
    const { config, dataDir } = loadCliConfig(io.configPath, values['data-dir']);
    const key = loadSigningKey(config.auth.signing, { dataDir, resource: config.auth.resource, create: true });
    if (!key) {
      io.stderr('auth.signing.enabled is false: Warden has no signing key to issue tokens with\n');
      return 1;
    }
    if (!config.agents[values.agent]) io.stderr(`warning: agent '${values.agent}' is not in config; it will have no roles unless its token carries them\n`);
    const token = await key.issue(values.agent, { ttlSec });
    io.stdout(`${token}\n`);
    io.stderr(`token for agent '${values.agent}', issuer ${key.issuer}, audience ${key.audience}, expires in ${ttlSec} s\n`);
    return 0;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 1;
  }
}
