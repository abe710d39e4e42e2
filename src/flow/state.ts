/**
 * Per-session flow state: a monotone label set with provenance, a capped call history, data-flow
 * fingerprints and sequence-rule progress. Behind {@link FlowStateStore} so the scale-out issue
 * can keep it in Redis; the in-memory store here is the single-machine default.
 *
 * Memory per session is bounded: history is capped (`maxHistory`), fingerprints are capped
 * (`maxFingerprints`, oldest first), labels come from a finite config vocabulary (capped at 256
 * anyway), and sequence progress is one small array per sequence rule.
 */
import type { MaybePromise } from '../pipeline/types.ts';

/** Where a label came from: the call that first added it. */
export interface LabelOrigin {
  readonly seq: number;
  readonly server: string;
  readonly tool: string;
  readonly at: number;
  /** `tool` (static label), a dynamic rule id, or `guardrail`. */
  readonly via: string;
}

/** One committed call, as kept for explanations. */
export interface CallRecord {
  /** 1-based position in the session. */
  readonly seq: number;
  readonly at: number;
  readonly server: string;
  readonly tool: string;
  /** Labels this call added to the session (new ones only). */
  readonly added: readonly string[];
  /** False when the call reached the upstream but failed (it still taints). */
  readonly ok: boolean;
}

/** A partial sequence match: the calls matched so far and when the first one happened. */
export interface SequenceProgress {
  readonly startSeq: number;
  readonly startAt: number;
  readonly calls: readonly number[];
}

export interface FlowSessionState {
  readonly key: string;
  readonly createdAt: number;
  touchedAt: number;
  /** Calls committed so far (the last seq). */
  calls: number;
  readonly labels: Map<string, LabelOrigin>;
  readonly history: CallRecord[];
  /** Fingerprint → seq of the call whose result produced it. Insertion order = age. */
  readonly fingerprints: Map<number, number>;
  /** Sequence rule id → best partial match per number of steps matched (index i = steps 0..i). */
  readonly progress: Map<string, (SequenceProgress | undefined)[]>;
}

/** What one committed call changes. Built by the stage; the store applies it. */
export interface FlowCommit {
  readonly server: string;
  readonly tool: string;
  readonly ok: boolean;
  /** Labels with the way each was derived. */
  readonly labels: readonly { label: string; via: string }[];
  /** Fingerprints of the result (already capped per result). */
  readonly fingerprints: readonly number[];
  /** Replacement progress for the sequence rules this call advanced. */
  readonly progress?: ReadonlyMap<string, (SequenceProgress | undefined)[]>;
  /** Labels that arrived late for the last committed call: no new seq, no history entry. */
  readonly amend?: boolean;
}

/**
 * The store interface. `get` and `append` may be sync (memory) or async (Redis); the stage
 * handles both. `append` assigns the call's seq, merges labels monotonically and returns the
 * record it kept.
 */
export interface FlowStateStore {
  get(key: string, now: number): MaybePromise<FlowSessionState | undefined>;
  append(key: string, commit: FlowCommit, now: number): MaybePromise<CallRecord>;
  /** Drops sessions idle past the TTL; returns how many were dropped. */
  expire(now: number): MaybePromise<number>;
}

export interface MemoryStoreOptions {
  readonly ttlMs: number;
  readonly maxHistory: number;
  readonly maxSessions: number;
  readonly maxFingerprints: number;
  /** Called when a live session is dropped to stay under `maxSessions` (count it: taint was lost). */
  readonly onEvict?: (key: string) => void;
}

const MAX_LABELS = 256;

export interface MemoryFlowStore extends FlowStateStore {
  get(key: string, now: number): FlowSessionState | undefined;
  append(key: string, commit: FlowCommit, now: number): CallRecord;
  expire(now: number): number;
  readonly size: number;
}

/**
 * The in-memory store. A Map in least-recently-touched order (touching re-inserts), so expiry
 * and eviction walk from the front and stop at the first live session.
 */
export function createMemoryFlowStore(opts: MemoryStoreOptions): MemoryFlowStore {
  const sessions = new Map<string, FlowSessionState>();

  function live(key: string, now: number): FlowSessionState | undefined {
    const s = sessions.get(key);
    if (!s) return undefined;
    if (now - s.touchedAt > opts.ttlMs) {
      sessions.delete(key);
      return undefined;
    }
    return s;
  }

  return {
    get size() {
      return sessions.size;
    },
    get(key, now) {
      return live(key, now);
    },
    append(key, commit, now) {
      let s = live(key, now);
      if (s) {
        sessions.delete(key);
      } else {
        s = { key, createdAt: now, touchedAt: now, calls: 0, labels: new Map(), history: [], fingerprints: new Map(), progress: new Map() };
        while (sessions.size >= opts.maxSessions) {
          const oldest = sessions.keys().next().value as string;
          sessions.delete(oldest);
          opts.onEvict?.(oldest);
        }
      }
      sessions.set(key, s);
      s.touchedAt = now;
      const amend = commit.amend === true && s.calls > 0;
      const seq = amend ? s.calls : ++s.calls;
      const added: string[] = [];
      for (const { label, via } of commit.labels) {
        if (s.labels.has(label) || s.labels.size >= MAX_LABELS) continue;
        s.labels.set(label, { seq, server: commit.server, tool: commit.tool, at: now, via });
        added.push(label);
      }
      for (const fp of commit.fingerprints) {
        if (s.fingerprints.has(fp)) continue;
        s.fingerprints.set(fp, seq);
        if (s.fingerprints.size > opts.maxFingerprints) s.fingerprints.delete(s.fingerprints.keys().next().value as number);
      }
      if (commit.progress) for (const [id, p] of commit.progress) s.progress.set(id, p);
      if (amend) return s.history[s.history.length - 1] ?? { seq, at: now, server: commit.server, tool: commit.tool, added, ok: commit.ok };
      const rec: CallRecord = { seq, at: now, server: commit.server, tool: commit.tool, added, ok: commit.ok };
      s.history.push(rec);
      if (s.history.length > opts.maxHistory) s.history.splice(0, s.history.length - opts.maxHistory);
      return rec;
    },
    expire(now) {
      let n = 0;
      for (const [key, s] of sessions) {
        if (now - s.touchedAt <= opts.ttlMs) break;
        sessions.delete(key);
        n++;
      }
      return n;
    },
  };
}
