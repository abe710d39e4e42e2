/**
 * Child process for crash.test.ts: writes audit records under load and prints `ack <id>` for
 * each record whose promise resolved (the moment the gateway would answer the agent), until it
 * is killed. stdout to a pipe is synchronous on Linux, so a printed ack was committed before.
 */
import Database from 'better-sqlite3';
import { auditConfigSchema } from '../config.ts';
import { createAuditLog } from '../log.ts';
import { createAuditObserver } from '../observer.ts';
import { makeCtx } from '../test-helpers.ts';

const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: crash-writer.ts DB');
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const log = createAuditLog({ db, timers: false }, auditConfigSchema.parse({ batchMs: 1 }));
const observe = createAuditObserver(log);

let i = 0;
const inFlightMax = 200;
let inFlight = 0;
function pump(): void {
  while (inFlight < inFlightMax) {
    const id = `c${i++}`;
    inFlight++;
    void Promise.resolve(observe(makeCtx({ requestId: id, result: { content: [{ type: 'text', text: 'x'.repeat(200) }] } }), 'allowed')).then(
      () => {
        inFlight--;
        process.stdout.write(`ack ${id}\n`);
      },
      () => {
        inFlight--;
      },
    );
  }
  setImmediate(pump);
}
process.stdout.write('ready\n');
pump();
