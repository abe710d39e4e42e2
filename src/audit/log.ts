/**
 * The audit log: a bounded queue of records committed in batches, as one SQLite transaction
 * each, into a hash chain whose head is signed in the same transaction. See README.md for the
 * durability guarantee: a record's promise resolves only after its transaction committed.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { WardenError } from '../errors/index.ts';
import { canonicalJsonWith } from './canonical.ts';
import { exportCheckpoint, headPayloadJson, pointPayload } from './checkpoints.ts';
import type { CheckpointKind, CheckpointLine, ExportResult } from './checkpoints.ts';
import type { AuditConfig } from './config.ts';
import { chainHash } from './record.ts';
import type { AuditFields } from './record.ts';
import { loadOrCreateKeyFile, signerFromKey } from './signer.ts';
import type { Signer } from './signer.ts';
import { COLUMN_FIELDS, GENESIS_HASH, openAuditStore } from './store.ts';
import type { InsertArgs } from './store.ts';
import { verifyAuditChain } from './verify.ts';
import type { VerifyOptions, VerifyReport } from './verify.ts';

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface AuditLogDeps {
  /** The shared better-sqlite3 database (WAL mode). */
  readonly db: Database;
  /** Epoch milliseconds; injected in tests. */
  readonly now?: () => number;
  /** Ed25519 private key (PEM or KeyObject). Default: `checkpoint.keyFile`, else `<dataDir>/audit-signing-key.pem`. */
  readonly signingKey?: KeyObject | string;
  /** Where the key file and a relative checkpoint file live. Default: the database file's directory. */
  readonly dataDir?: string;
  /** Store failures, dropped records (failOpen) and export failures. Never receives record content. */
  readonly onError?: (err: unknown, what: string) => void;
  /** For the checkpoint witness URL; default global fetch. */
  readonly fetch?: typeof fetch;
  /** Periodic checkpoints and pruning (default true); tests drive them by hand. */
  readonly timers?: boolean;
}

export interface AuditStats {
  /** Records waiting for their batch. */
  readonly queued: number;
  readonly committed: number;
  /** Records lost under failOpen (queue full or store failure). */
  readonly dropped: number;
  /** Records refused (the call failed closed). */
  readonly refused: number;
  readonly batches: number;
  readonly failedBatches: number;
  readonly checkpoints: number;
  readonly exportFailures: number;
  /** Largest queue length seen. */
  readonly maxQueued: number;
}

export interface CheckpointResult {
  readonly checkpoint: CheckpointLine;
  readonly exported: ExportResult;
}

export interface PruneResult {
  readonly pruned: number;
  readonly anchor?: CheckpointLine;
}

export interface AuditLog {
  readonly config: AuditConfig;
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /**
   * Queues a record. Resolves with its seq once its batch is committed; with `undefined` when the
   * log is disabled or (failOpen) the record was dropped. Rejects with WARDEN_AUDIT_UNAVAILABLE
   * when it cannot be made durable. A function is built in the flush, off the request path.
   */
  append(fields: AuditFields | (() => AuditFields), ts?: number): Promise<number | undefined>;
  /** An admin record (`config.reload`, `key.create`, `pin.approve`, ...), same guarantee. */
  admin(action: string, details?: Record<string, unknown>, actor?: string): Promise<number | undefined>;
  /** Commits everything queued now. */
  flush(): Promise<void>;
  /** Signs the chain head, stores and exports the checkpoint. `undefined` when there is nothing new to sign. */
  checkpoint(kind?: 'manual' | 'periodic'): Promise<CheckpointResult | undefined>;
  /** Deletes records older than `before` (default: now − retentionDays), anchoring the cut with a signed checkpoint. */
  prune(before?: number): Promise<PruneResult>;
  /** Verifies the chain with this log's key (and the configured checkpoints file unless given). */
  verify(opts?: VerifyOptions): VerifyReport;
  queueDepth(): number;
  stats(): AuditStats;
  /** Flushes and stops the timers; does not close the database (its owner does). */
  close(): Promise<void>;
}

interface Item {
  fields: AuditFields | (() => AuditFields);
  ts: number;
  resolve: (seq: number | undefined) => void;
  reject: (err: unknown) => void;
}

export function createAuditLog(deps: AuditLogDeps, config: AuditConfig): AuditLog {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const onError = deps.onError ?? (() => {});
  const dataDir = deps.dataDir ?? (db.memory || !db.name ? process.cwd() : dirname(resolve(db.name)));
  const signer = makeSigner(deps, config, dataDir, db.memory);
  const store = openAuditStore(db);
  const checkpointFile = config.checkpoint.file ? resolve(dataDir, config.checkpoint.file) : undefined;
  const exportTargets = {
    file: checkpointFile,
    url: config.checkpoint.url,
    timeoutMs: config.checkpoint.urlTimeoutMs,
    fetch: deps.fetch,
  };

  let queue: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let closed = false;
  const s = { committed: 0, dropped: 0, refused: 0, batches: 0, failedBatches: 0, checkpoints: 0, exportFailures: 0, maxQueued: 0 };

  /** The head to chain after: the signed head row (authoritative), else the last record, else the anchor. */
  function currentHead(): { seq: number; hash: string } {
    return store.head.get() ?? store.last.get() ?? store.anchor.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * The head this log last committed, and the database's change stamp just after. While the stamp
   * is unchanged (no commit by another connection, no other write on this one) the head needs no
   * reading; any change sends the next batch back to the stored head.
   */
  let cached: { seq: number; hash: string; t: number; d: number } | undefined;

  const writeBatch = db.transaction((items: { fields: AuditFields; ts: number }[]): NonNullable<typeof cached> => {
    const st = store.stamp.get()!;
    let head = cached && cached.t === st.t && cached.d === st.d ? cached : currentHead();
    for (const it of items) {
      const seq = head.seq + 1;
      // v, seq and ts are the log's, whatever the fields hold; no copy of the fields is made.
      const json = canonicalJsonWith(it.fields, { v: 1, seq, ts: it.ts });
      const hash = chainHash(head.hash, json);
      store.insert.run(...insertArgs(it.fields, seq, it.ts, json, head.hash, hash));
      head = { seq, hash };
    }
    const ts = now();
    const sig = signer.signText(headPayloadJson({ seq: head.seq, hash: head.hash, ts, key_id: signer.keyId }));
    store.setHead.run({ seq: head.seq, hash: head.hash, ts, key_id: signer.keyId, sig });
    // Read while the write lock is held: no other connection can have committed since.
    const after = store.stamp.get()!;
    return { seq: head.seq, hash: head.hash, t: after.t, d: after.d };
  });

  function flushNow(): void {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const built = batch.map((it) => ({ fields: build(it.fields), ts: it.ts }));
    let head: NonNullable<typeof cached>;
    try {
      head = writeBatch.immediate(built);
    } catch (err) {
      cached = undefined;
      s.failedBatches++;
      onError(err, 'audit: batch commit failed');
      for (const it of batch) fail(it, 'store write failed');
      return;
    }
    cached = head;
    s.batches++;
    s.committed += batch.length;
    // The batch's seqs are consecutive and end at the new head.
    const base = head.seq - batch.length;
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(base + i + 1);
  }

  function build(f: Item['fields']): AuditFields {
    if (typeof f !== 'function') return f;
    try {
      return f();
    } catch (err) {
      // A bug in building the record must not lose it: record that it happened.
      onError(err, 'audit: building a record failed');
      return { kind: 'call', errorCode: 'WARDEN_INTERNAL', details: { auditBuildFailed: true } };
    }
  }

  function fail(it: Item, why: string): void {
    if (config.failOpen) {
      s.dropped++;
      it.resolve(undefined);
    } else {
      s.refused++;
      it.reject(new WardenError('WARDEN_AUDIT_UNAVAILABLE', why));
    }
  }

  function schedule(): void {
    if (queue.length >= config.batchMax) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      immediate ??= setImmediate(flushNow);
    } else if (!timer && !immediate) {
      if (config.batchMs === 0) immediate = setImmediate(flushNow);
      else timer = setTimeout(flushNow, config.batchMs);
    }
  }

  function append(fields: Item['fields'], ts = now()): Promise<number | undefined> {
    if (!config.enabled) return Promise.resolve(undefined);
    return new Promise<number | undefined>((res, rej) => {
      const it: Item = { fields, ts, resolve: res, reject: rej };
      if (closed) return fail(it, 'audit log closed');
      if (queue.length >= config.queueMax) {
        if (config.failOpen) onError(new Error('audit queue full'), 'audit: record dropped (failOpen)');
        return fail(it, 'queue full');
      }
      queue.push(it);
      if (queue.length > s.maxQueued) s.maxQueued = queue.length;
      schedule();
    });
  }

  async function checkpoint(kind: CheckpointKind = 'manual'): Promise<CheckpointResult | undefined> {
    flushNow();
    const h = currentHead();
    if (h.seq === 0) return undefined;
    if (kind === 'periodic') {
      const last = store.lastCheckpoint.get();
      if (last && last.seq === h.seq && last.hash === h.hash) return undefined;
    }
    const p = { seq: h.seq, hash: h.hash, ts: now(), key_id: signer.keyId, kind };
    const sig = signer.sign(pointPayload('checkpoint', p));
    store.addCheckpoint.run({ ...p, sig });
    s.checkpoints++;
    return publish({ v: 1, type: 'checkpoint', kind, seq: p.seq, hash: p.hash, ts: p.ts, keyId: p.key_id, sig });
  }

  async function publish(line: CheckpointLine): Promise<CheckpointResult> {
    const exported = await exportCheckpoint(line, exportTargets);
    for (const e of exported.errors) {
      s.exportFailures++;
      onError(new Error(e), 'audit: checkpoint export failed');
    }
    return { checkpoint: line, exported };
  }

  const pruneTx = db.transaction((before: number): { pruned: number; line?: CheckpointLine } => {
    const h = currentHead();
    const anchored = store.anchor.get()?.seq ?? 0;
    const first = store.firstAtOrAfter.get(before);
    const cut = first ? first.seq - 1 : h.seq;
    if (cut <= anchored) return { pruned: 0 };
    const row = store.bySeq.get(cut);
    if (!row) throw new Error(`audit record ${cut} is missing; run \`warden audit verify\``);
    const p = { seq: cut, hash: row.hash, ts: now(), key_id: signer.keyId };
    store.setAnchor.run({ ...p, sig: signer.sign(pointPayload('anchor', p)) });
    const cp = { ...p, kind: 'prune' as const };
    const sig = signer.sign(pointPayload('checkpoint', cp));
    store.addCheckpoint.run({ ...cp, sig });
    const pruned = store.deleteUpTo.run(cut).changes;
    return { pruned, line: { v: 1, type: 'checkpoint', kind: 'prune', seq: cut, hash: row.hash, ts: p.ts, keyId: p.key_id, sig } };
  });

  async function prune(before?: number): Promise<PruneResult> {
    const cutoff = before ?? (config.retentionDays > 0 ? now() - config.retentionDays * DAY_MS : -Infinity);
    if (cutoff === -Infinity) return { pruned: 0 };
    flushNow();
    const r = pruneTx.immediate(cutoff);
    if (!r.line) return { pruned: 0 };
    s.checkpoints++;
    await publish(r.line);
    return { pruned: r.pruned, anchor: r.line };
  }

  const timers: NodeJS.Timeout[] = [];
  if (deps.timers !== false && config.enabled) {
    const guard = (what: string, fn: () => Promise<unknown>) => () => void fn().catch((err) => onError(err, what));
    if (config.checkpoint.intervalSec > 0) {
      timers.push(setInterval(guard('audit: periodic checkpoint failed', () => checkpoint('periodic')), config.checkpoint.intervalSec * 1000).unref());
    }
    if (config.retentionDays > 0) {
      timers.push(setInterval(guard('audit: pruning failed', () => prune()), PRUNE_EVERY_MS).unref());
    }
  }

  return {
    config,
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    append,
    admin: (action, details, actor) =>
      append({ kind: 'admin', method: action, agent: actor, outcome: 'admin', details: details ?? {} }),
    flush: async () => flushNow(),
    checkpoint,
    prune,
    verify: (opts) => verifyAuditChain(db, { publicKey: signer.publicKey, checkpointsFile: checkpointFile, ...opts }),
    queueDepth: () => queue.length,
    stats: () => ({ queued: queue.length, ...s }),
    async close() {
      for (const t of timers) clearInterval(t);
      flushNow();
      closed = true;
    },
  };
}

const COLUMN_SOURCES = Object.values(COLUMN_FIELDS);

/** The insert's parameters; the indexed columns are copies of body fields (verify checks they agree). */
function insertArgs(f: AuditFields, seq: number, ts: number, json: string, prevHash: string, hash: string): InsertArgs {
  const args: InsertArgs = [seq, ts];
  for (const k of COLUMN_SOURCES) {
    const v = f[k];
    args.push(v === undefined || v === null ? null : String(v));
  }
  args.push(json, prevHash, hash);
  return args;
}

function makeSigner(deps: AuditLogDeps, config: AuditConfig, dataDir: string, memory: boolean): Signer {
  if (deps.signingKey) return signerFromKey(deps.signingKey);
  if (config.checkpoint.keyFile) return loadOrCreateKeyFile(resolve(dataDir, config.checkpoint.keyFile));
  // An in-memory database lives and dies with the process, and so may its key.
  if (memory) return signerFromKey(generateKeyPairSync('ed25519').privateKey);
  return loadOrCreateKeyFile(resolve(dataDir, 'audit-signing-key.pem'));
}
