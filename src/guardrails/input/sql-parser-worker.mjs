// The SQL parser's worker thread (see sql-parser.ts). node-sql-parser's PEG grammars take
// exponential time on some hostile shapes (`select ( select ( …`: 1 s at ten levels, 8 s at
// twelve) and cannot be interrupted, so untrusted text is parsed here, where the gateway's thread
// can stop waiting and terminate it. Plain JavaScript so it loads without the TypeScript loader.
//
// Protocol: `ctrl` is an Int32Array over a SharedArrayBuffer: [0] 1 once ready, 2 if the grammars
// could not be loaded; [1] sequence number of the last finished request. A request { seq, sql, database } is answered on `port` with
// { seq, ast } or { seq, error: true }, then ctrl[1] = seq and a notify wakes the waiting thread.
import { workerData } from 'node:worker_threads';

const { port, ctrl: buf, dialects } = workerData;
const ctrl = new Int32Array(buf);

// One build per dialect where the package ships one (a single grammar loads in a fraction of the
// whole package's time), so a replacement worker is ready soon after a timeout.
const BUILDS = { MySQL: 'mysql', MariaDB: 'mariadb', PostgresQL: 'postgresql', TransactSQL: 'transactsql', BigQuery: 'bigquery' };
const parsers = new Map();
try {
  for (const d of dialects) {
    const m = BUILDS[d] ? await import(`node-sql-parser/build/${BUILDS[d]}.js`) : await import('node-sql-parser');
    parsers.set(d, new (m.default?.Parser ?? m.Parser)());
  }
} catch (e) {
  Atomics.store(ctrl, 0, 2); // the waiting thread stops waiting and answers `unavailable`
  Atomics.notify(ctrl, 0);
  throw e;
}

function astify(sql, database) {
  const p = parsers.get(database);
  if (!p) throw new Error(`dialect ${database} not loaded`);
  const ast = p.astify(sql, { database });
  return Array.isArray(ast) ? ast : [ast];
}

// Warm the grammar up before saying ready: the first parses of a cold grammar take milliseconds.
for (const d of dialects) {
  for (const s of ["SELECT a FROM t WHERE c = 'x' AND d = 1", 'DELETE FROM t WHERE id IN (SELECT id FROM u)', 'UPDATE t SET a = 1; DROP TABLE t']) {
    try {
      astify(s, d);
    } catch {
      // a dialect that rejects a sample is still warm
    }
  }
}

port.on('message', (req) => {
  let reply;
  try {
    reply = { seq: req.seq, ast: astify(req.sql, req.database) };
  } catch {
    reply = { seq: req.seq, error: true };
  }
  try {
    port.postMessage(reply);
  } catch {
    port.postMessage({ seq: req.seq, error: true }); // an AST that cannot be cloned: treat as unparsed
  }
  Atomics.store(ctrl, 1, req.seq);
  Atomics.notify(ctrl, 1);
});

Atomics.store(ctrl, 0, 1);
Atomics.notify(ctrl, 0);
