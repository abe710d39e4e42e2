/**
 * `warden keys create --agent ID [--label L]` (prints the key ONCE), `warden keys revoke ID`,
 * `warden keys list`. Keys are stored as SHA-256 hashes in `<dataDir>/warden.db`; a running
 * gateway sees a revoke within `auth.apiKeys.refreshSec`.
 */
import { parseArgs } from 'node:util';
import { createApiKeyStore } from '../../auth/index.ts';
import { recordAdminAction } from '../../audit/admin-record.ts';
import { loadCliConfig } from '../../policy/sections.ts';
import { openDatabase, type Database } from '../../store/sqlite.ts';
import type { CliIo } from './token.ts';

const USAGE = 'usage: warden keys create --agent ID [--label L] | warden keys revoke KEY_ID | warden keys list   [--data-dir DIR]\n';

export async function run(argv: string[], io: CliIo): Promise<number> {
  let values: { agent?: string; label?: string; 'data-dir'?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { agent: { type: 'string' }, label: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [cmd, ...rest] = positionals;
  const valid = (cmd === 'create' && rest.length === 0 && values.agent) || (cmd === 'revoke' && rest.length === 1) || (cmd === 'list' && rest.length === 0);
  if (!valid) {
    io.stderr(USAGE);
    return 2;
  }
  let db: Database | undefined;
  try {
    const { config, dataDir } = loadCliConfig(io.configPath, values['data-dir']);
    db = openDatabase(dataDir, config.storage.synchronous);
    const store = createApiKeyStore(db);
    if (cmd === 'create') {
      if (!config.agents[values.agent!]) io.stderr(`warning: agent '${values.agent}' is not in config; the key will grant no roles until it is\n`);
      const k = store.create(values.agent!, values.label);
      // The audit trail records who got a key (never the key itself).
      await recordAdminAction(db, 'key.create', { keyId: k.id, agent: k.agent }, 'cli');
      io.stdout(`${k.key}\n`);
      io.stderr(`created ${k.id} for agent '${k.agent}'. This is the only time the key is shown; store it now.\n`);
      return 0;
    }
    if (cmd === 'revoke') {
      if (!store.revoke(rest[0]!)) {
        io.stderr(`no active key with id ${rest[0]}\n`);
        return 1;
      }
      await recordAdminAction(db, 'key.revoke', { keyId: rest[0] }, 'cli');
      io.stdout(`revoked ${rest[0]}\n`);
      return 0;
    }
    const rows = store.list();
    io.stdout(`${['ID', 'AGENT', 'LABEL', 'CREATED', 'REVOKED'].join('\t')}\n`);
    for (const r of rows) {
      io.stdout(`${[r.id, r.agent, r.label ?? '-', new Date(r.createdAt).toISOString(), r.revokedAt ? new Date(r.revokedAt).toISOString() : '-'].join('\t')}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n`);
    return 1;
  } finally {
    db?.close();
  }
}
