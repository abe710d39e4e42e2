/**
 * Signed statements about the chain and their export outside the database. A checkpoint says
 * "the record at seq N has hash H" under Warden's Ed25519 key; a copy kept in a file or by a
 * remote witness is what detects a rewrite of the whole database, which the chain alone cannot.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { canonicalJson } from './canonical.ts';

export type PointType = 'head' | 'anchor' | 'checkpoint';
export type CheckpointKind = 'periodic' | 'manual' | 'prune';

/** The signed payload. `type` keeps a head signature from being replayed as an anchor, and so on. */
export function pointPayload(type: PointType, p: { seq: number; hash: string; ts: number; key_id: string; kind?: string }) {
  return type === 'checkpoint'
    ? { v: 1, type, kind: p.kind, seq: p.seq, hash: p.hash, ts: p.ts, keyId: p.key_id }
    : { v: 1, type, seq: p.seq, hash: p.hash, ts: p.ts, keyId: p.key_id };
}

/**
 * `canonicalJson(pointPayload('head', p))` written directly: the head is signed in every batch,
 * so its payload skips building an object and sorting its keys (a test keeps the two equal).
 */
export function headPayloadJson(p: { seq: number; hash: string; ts: number; key_id: string }): string {
  return `{"hash":${JSON.stringify(p.hash)},"keyId":${JSON.stringify(p.key_id)},"seq":${canonicalJson(p.seq)},"ts":${canonicalJson(p.ts)},"type":"head","v":1}`;
}

/** One exported checkpoint (a line of the JSONL file, or the body POSTed to the witness URL). */
export interface CheckpointLine {
  readonly v: 1;
  readonly type: 'checkpoint';
  readonly kind: CheckpointKind;
  readonly seq: number;
  readonly hash: string;
  readonly ts: number;
  readonly keyId: string;
  readonly sig: string;
}

export interface ExportTargets {
  readonly file?: string;
  readonly url?: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export interface ExportResult {
  readonly file?: 'ok' | 'failed';
  readonly url?: 'ok' | 'failed';
  readonly errors: string[];
}

/** Appends to the file (synchronously: one short line) and POSTs to the URL (bounded by the timeout). */
export async function exportCheckpoint(line: CheckpointLine, to: ExportTargets): Promise<ExportResult> {
  const errors: string[] = [];
  let file: ExportResult['file'];
  let url: ExportResult['url'];
  const text = canonicalJson(line);
  if (to.file) {
    try {
      appendFileSync(to.file, text + '\n', { mode: 0o644 });
      file = 'ok';
    } catch (err) {
      file = 'failed';
      errors.push(`checkpoint file: ${(err as Error).message}`);
    }
  }
  if (to.url) {
    try {
      const res = await (to.fetch ?? fetch)(to.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(to.timeoutMs),
      });
      // Drain the body so the connection is released.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      url = 'ok';
    } catch (err) {
      url = 'failed';
      // The URL may carry a token in its query: name only the origin.
      errors.push(`checkpoint url ${new URL(to.url).origin}: ${(err as Error).message}`);
    }
  }
  return { ...(file && { file }), ...(url && { url }), errors };
}

/** Reads an exported checkpoints file; malformed lines are returned as problems, not thrown. */
export function readCheckpointsFile(path: string): { lines: CheckpointLine[]; bad: { line: number; reason: string }[]; missing: boolean } {
  const lines: CheckpointLine[] = [];
  const bad: { line: number; reason: string }[] = [];
  if (!existsSync(path)) return { lines, bad, missing: true };
  const text = readFileSync(path, 'utf8');
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      const o = JSON.parse(raw) as Partial<CheckpointLine>;
      if (o.type !== 'checkpoint' || !Number.isSafeInteger(o.seq) || typeof o.hash !== 'string' || typeof o.sig !== 'string' ||
          typeof o.keyId !== 'string' || typeof o.ts !== 'number') {
        throw new Error('not a checkpoint');
      }
      lines.push(o as CheckpointLine);
    } catch (err) {
      bad.push({ line: i + 1, reason: (err as Error).message });
    }
  });
  return { lines, bad, missing: false };
}
