/**
 * The string leaves a guardrail scans, with their JSON paths, and how to write a redacted value
 * back. Walks are bounded (depth, leaf count, characters): exceeding a bound is reported, and
 * the stage fails closed, so a hostile upstream cannot hide text beyond the scan horizon.
 */

export interface Leaf {
  /** Display path, e.g. `arguments.items[2].body` or `content[0].text`. */
  readonly field: string;
  /** Keys from the walked root to the leaf. */
  readonly keys: readonly (string | number)[];
  readonly value: string;
}

export interface WalkLimits {
  readonly maxDepth: number;
  readonly maxStrings: number;
  readonly maxChars: number;
  /** Longest single string scanned; a longer one fails closed (bounds per-leaf detector work). */
  readonly maxLeafChars?: number;
}

export interface WalkResult {
  readonly leaves: Leaf[];
  /** Set when a bound was hit; the walk stopped there. */
  readonly overflow?: 'depth' | 'strings' | 'chars' | 'leaf';
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const fmt = (prefix: string, k: string | number) =>
  typeof k === 'number' ? `${prefix}[${k}]` : IDENT.test(k) ? (prefix ? `${prefix}.${k}` : k) : `${prefix}[${JSON.stringify(k)}]`;

/** Every string leaf under `root` (object keys are scanned too, as `<path>{key}` leaves). */
export function walkStrings(root: unknown, prefix: string, lim: WalkLimits, base: readonly (string | number)[] = []): WalkResult {
  const leaves: Leaf[] = [];
  let chars = 0;
  let overflow: WalkResult['overflow'];
  const visit = (v: unknown, field: string, keys: (string | number)[], depth: number): void => {
    if (overflow) return;
    if (typeof v === 'string') {
      if (leaves.length >= lim.maxStrings) { overflow = 'strings'; return; }
      if (lim.maxLeafChars !== undefined && v.length > lim.maxLeafChars) { overflow = 'leaf'; return; }
      chars += v.length;
      if (chars > lim.maxChars) { overflow = 'chars'; return; }
      leaves.push({ field, keys, value: v });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= lim.maxDepth) { overflow = 'depth'; return; }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, fmt(field, i), [...keys, i], depth + 1));
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      // Keys can carry text too (an attacker controls structured results' shape).
      if (k.length > 24) visit(k, `${fmt(field, k)}{key}`, [...keys, k, '{key}'], depth + 1);
      visit(x, fmt(field, k), [...keys, k], depth + 1);
    }
  };
  visit(root, prefix, [...base], 0);
  return overflow ? { leaves, overflow } : { leaves };
}

/** Writes `value` at `keys` inside `root` (a structured clone the caller owns). Key leaves are skipped. */
export function setAt(root: unknown, keys: readonly (string | number)[], value: string): void {
  if (keys[keys.length - 1] === '{key}') return;
  let cur = root as Record<string | number, unknown>;
  for (let i = 0; i < keys.length - 1; i++) cur = cur[keys[i]!] as Record<string | number, unknown>;
  cur[keys[keys.length - 1]!] = value;
}

/** Replaces `[start,end)` spans with `[REDACTED:<kind>]`, merging overlaps, right to left. */
export function redactSpans(s: string, spans: readonly { start: number; end: number; kind: string }[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: { start: number; end: number; kind: string }[] = [];
  for (const sp of sorted) {
    const last = merged[merged.length - 1];
    if (last && sp.start < last.end) last.end = Math.max(last.end, sp.end);
    else merged.push({ ...sp });
  }
  let out = s;
  for (let i = merged.length - 1; i >= 0; i--) {
    const m = merged[i]!;
    out = `${out.slice(0, m.start)}[REDACTED:${m.kind}]${out.slice(m.end)}`;
  }
  return out;
}
