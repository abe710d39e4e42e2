/**
 * The verifier: walks the chain once and reports every problem with the seq it was found at
 * and the check that failed. It needs nothing but the database, the public key and (to catch
 * a consistent rewrite of the whole database) checkpoints exported outside it.
 */
import type { KeyObject } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { readCheckpointsFile, pointPayload } from './checkpoints.ts';
import type { CheckpointLine } from './checkpoints.ts';
import { chainHash } from './record.ts';
import { verifierFromKey } from './signer.ts';
import type { Verifier } from './signer.ts';
import { COLUMN_FIELDS, GENESIS_HASH, hasAuditTables } from './store.ts';
import type { RecordRow, SignedPoint } from './store.ts';

export interface VerifyOptions {
  /** Ed25519 public (or private) key; without it signatures are not checked (the report says so). */
  readonly publicKey?: KeyObject | string;
  /** JSONL file of exported checkpoints. */
  readonly checkpointsFile?: string;
  /** Checkpoints obtained elsewhere (a witness service). */
  readonly checkpoints?: readonly CheckpointLine[];
}

/** Which check failed. */
export type VerifyCheck =
  | 'body' // a record's body is not JSON
  | 'seq' // the body's seq differs from its position: moved, swapped or renumbered
  | 'column' // an indexed column differs from the hashed body
  | 'hash' // the record's content no longer matches its hash: edited
  | 'link' // prev_hash differs from the previous record's hash: something before it was edited, inserted or reordered
  | 'gap' // seq numbers missing: deleted
  | 'anchor' // the prune anchor's signature is bad
  | 'head' // the signed head is missing, badly signed, or records exist past it
  | 'truncated' // the head or a checkpoint names records past the end of the chain
  | 'checkpoint' // a record's hash differs from a signed checkpoint's: rewritten
  | 'signature'; // a checkpoint's signature is bad or by an unknown key

export interface VerifyProblem {
  readonly check: VerifyCheck;
  readonly seq?: number;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly records: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly anchorSeq?: number;
  readonly headSeq?: number;
  readonly signaturesChecked: boolean;
  readonly checkpointsChecked: number;
  readonly problems: readonly VerifyProblem[];
  /** Problems beyond the first 1,000 are counted, not listed. */
  readonly problemsOmitted: number;
  /** Weaknesses that are not evidence of tampering (no key given, no checkpoints file). */
  readonly warnings: readonly string[];
}

const MAX_PROBLEMS = 1000;

export function verifyAuditChain(db: Database, opts: VerifyOptions = {}): VerifyReport {
  const verifier: Verifier | undefined = opts.publicKey ? verifierFromKey(opts.publicKey) : undefined;
  const problems: VerifyProblem[] = [];
  let omitted = 0;
  const warnings: string[] = [];
  const report = (check: VerifyCheck, message: string, seq?: number) => {
    if (problems.length < MAX_PROBLEMS) problems.push(seq === undefined ? { check, message } : { check, seq, message });
    else omitted++;
  };

  // Exported checkpoints are read even when the database has no audit tables: an emptied database is a truncation too.
  const external: CheckpointLine[] = [...(opts.checkpoints ?? [])];
  if (opts.checkpointsFile) {
    const f = readCheckpointsFile(opts.checkpointsFile);
    external.push(...f.lines);
    for (const b of f.bad) report('signature', `checkpoints file line ${b.line}: ${b.reason}`);
    // Absent before the first checkpoint; absent after one was stored is worth a look, not proof.
    if (f.missing) warnings.push(`checkpoints file ${opts.checkpointsFile} does not exist: a rewrite of the whole database would go unnoticed`);
  }
  const has = hasAuditTables(db);
  const stored: CheckpointLine[] = has
    ? (db.prepare('SELECT seq, hash, ts, kind, key_id, sig FROM audit_checkpoints ORDER BY id').all() as (SignedPoint & { kind: string })[])
        .map((c) => ({ v: 1, type: 'checkpoint', kind: c.kind as CheckpointLine['kind'], seq: c.seq, hash: c.hash, ts: c.ts, keyId: c.key_id, sig: c.sig }))
    : [];
  const anchor = has ? (db.prepare('SELECT seq, hash, ts, key_id, sig FROM audit_anchor WHERE id = 1').get() as SignedPoint | undefined) : undefined;
  const head = has ? (db.prepare('SELECT seq, hash, ts, key_id, sig FROM audit_head WHERE id = 1').get() as SignedPoint | undefined) : undefined;

  const checkSig = (type: 'head' | 'anchor' | 'checkpoint', p: SignedPoint): string | undefined => {
    if (!verifier) return undefined;
    if (p.key_id !== verifier.keyId) return `signed by key ${p.key_id}, not the expected key ${verifier.keyId}`;
    return verifier.verify(pointPayload(type, p), p.sig) ? undefined : 'bad signature';
  };

  if (anchor) {
    const bad = checkSig('anchor', anchor);
    if (bad) report('anchor', `prune anchor at seq ${anchor.seq}: ${bad}`, anchor.seq);
  }

  // Hashes needed for checkpoint checks, collected during the single pass.
  const allCheckpoints = [...stored.map((c) => ({ c, where: 'stored' })), ...external.map((c) => ({ c, where: 'exported' }))];
  const wanted = new Set(allCheckpoints.map((x) => x.c.seq));
  const seen = new Map<number, string>();

  let prevSeq = anchor?.seq ?? 0;
  let prevHash = anchor?.hash ?? GENESIS_HASH;
  let records = 0;
  let firstSeq: number | undefined;
  const rows = has ? (db.prepare('SELECT * FROM audit_records ORDER BY seq').iterate() as IterableIterator<RecordRow>) : [];
  for (const row of rows) {
    records++;
    firstSeq ??= row.seq;
    let gap = false;
    if (row.seq !== prevSeq + 1) {
      gap = true;
      const from = prevSeq + 1;
      const to = row.seq - 1;
      report('gap', `record${from === to ? ` ${from} is` : `s ${from}..${to} are`} missing (deleted)${prevSeq === 0 && !anchor ? ', and no signed prune anchor explains it' : ''}`, from);
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(row.body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    if (!body) report('body', `record ${row.seq}: body is not a JSON object`, row.seq);
    else {
      if (body.seq !== row.seq) report('seq', `record at seq ${row.seq} says it is seq ${String(body.seq)} (moved, swapped or renumbered)`, row.seq);
      const cols: [string, unknown][] = [['ts', body.ts], ...Object.entries(COLUMN_FIELDS).map(([c, f]) => [c, body[f]] as [string, unknown])];
      for (const [c, v] of cols) {
        const colVal = (row as unknown as Record<string, unknown>)[c];
        const expect = v === undefined || v === null ? null : c === 'ts' ? v : String(v);
        if (colVal !== expect) report('column', `record ${row.seq}: column ${c} differs from the hashed body (edited)`, row.seq);
      }
    }
    if (!gap && row.prev_hash !== prevHash) {
      report('link', `record ${row.seq}: prev_hash does not match ${prevSeq === (anchor?.seq ?? 0) && anchor ? 'the signed prune anchor' : `the hash of record ${prevSeq}`} (a record was edited, inserted or reordered here)`, row.seq);
    }
    if (chainHash(row.prev_hash, row.body) !== row.hash) {
      report('hash', `record ${row.seq}: content does not match its hash (edited)`, row.seq);
    }
    if (wanted.has(row.seq)) seen.set(row.seq, row.hash);
    prevSeq = row.seq;
    prevHash = row.hash;
  }
  const lastSeq = records ? prevSeq : anchor?.seq;

  // The signed head catches a truncated tail and records appended behind Warden's back.
  const end = prevSeq;
  if (head) {
    const bad = checkSig('head', head);
    if (bad) report('head', `signed head: ${bad}`, head.seq);
    if (head.seq > end) report('truncated', `the signed head is at seq ${head.seq} but the chain ends at ${end}: records ${end + 1}..${head.seq} were removed from the tail`, end + 1);
    else if (head.seq < end) report('head', `records ${head.seq + 1}..${end} lie past the signed head (not written by Warden, or head rolled back)`, head.seq + 1);
    else if (head.hash !== prevHash) report('head', `record ${end} differs from the signed head`, end);
  } else if (records > 0 || anchor) {
    report('head', 'the signed chain head is missing');
  }

  // Checkpoints: each names a (seq, hash) the chain must still contain.
  let checkpointsChecked = 0;
  for (const { c, where } of allCheckpoints) {
    checkpointsChecked++;
    const bad = checkSig('checkpoint', { seq: c.seq, hash: c.hash, ts: c.ts, key_id: c.keyId, sig: c.sig, kind: c.kind });
    if (bad) {
      report('signature', `${where} checkpoint at seq ${c.seq}: ${bad}`, c.seq);
      continue;
    }
    if (c.seq > end) {
      report('truncated', `${where} checkpoint at seq ${c.seq} but the chain ends at ${end}: the tail was removed`, c.seq);
    } else if (anchor && c.seq <= anchor.seq) {
      // Pruned: only the anchor itself can still be compared.
      if (c.seq === anchor.seq && c.hash !== anchor.hash) report('checkpoint', `${where} checkpoint at seq ${c.seq} differs from the prune anchor (rewritten)`, c.seq);
    } else {
      const h = seen.get(c.seq);
      if (h !== undefined && h !== c.hash) report('checkpoint', `record ${c.seq} differs from the ${where} checkpoint signed at ${new Date(c.ts).toISOString()} (chain rewritten)`, c.seq);
    }
  }

  return {
    ok: problems.length === 0,
    records,
    ...(firstSeq !== undefined && { firstSeq }),
    ...(lastSeq !== undefined && { lastSeq }),
    ...(anchor && { anchorSeq: anchor.seq }),
    ...(head && { headSeq: head.seq }),
    signaturesChecked: verifier !== undefined,
    checkpointsChecked,
    problems,
    problemsOmitted: omitted,
    warnings: verifier ? warnings : ['no public key given: signatures were not checked', ...warnings],
  };
}
