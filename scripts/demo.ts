/**
 * `npm run demo`: Warden in front of the demo servers (a ticket system with private customer
 * data, a public issue tracker with one poisoned issue, a chat server), an agent that obeys every
 * instruction it reads, and the audit trail of what happened — in the terminal.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWarden } from '../src/app.ts';
import { queryAudit, storyLine } from '../src/audit/index.ts';
import { silentLogger } from '../src/telemetry/log.ts';

const root = resolve(import.meta.dirname, '..');
// A fresh data dir each run, so the story below is this run's alone.
const dir = mkdtempSync(join(tmpdir(), 'warden-demo-'));
const configPath = join(root, 'examples/demo/demo.yaml');
const work = join(dir, 'demo.yaml');
writeFileSync(work, readFileSync(configPath, 'utf8').replaceAll('cwd: ../..', `cwd: ${JSON.stringify(root)}`).replace('port: 8788', 'port: 0'));

const warden = await startWarden({ configPath: work, port: 0, log: silentLogger, watch: false });
console.log(`Warden is up at ${warden.url}, fronting tickets (private data), issues (public, untrusted) and chat (sends out).\n`);
try {
  // Not spawnSync: Warden runs in this process and must keep serving while the agent works.
  const agent = spawn(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'examples/demo/agent.ts'), warden.url], { stdio: 'inherit', cwd: root });
  const code = await new Promise<number | null>((res) => agent.on('exit', res));
  if (code !== 0) process.exitCode = code ?? 1;
} finally {
  await warden.stop();
}

// The audit trail, read back from the store after shutdown (every record was durable before its answer).
const Database = (await import('better-sqlite3')).default;
const db = new Database(join(dir, '.warden', 'warden.db'), { readonly: true });
console.log('\nThe audit trail (warden audit tail):');
for (const e of queryAudit(db)) if (e.kind !== 'admin') console.log(`  ${storyLine(e)}`);
db.close();
