/**
 * A small line diff for showing what changed in a tool definition. Definitions are a few hundred
 * lines at most, so an LCS table is fine; beyond `maxLines` the diff degrades to "all removed,
 * all added" rather than spending quadratic time on a hostile definition.
 */

/**
 * A unified-style diff of two texts: lines prefixed `-` (old), `+` (new) and ` ` (context),
 * with `@@` separators between hunks and `context` unchanged lines around each change.
 * Empty string when equal.
 */
export function lineDiff(oldText: string, newText: string, opts: { context?: number; maxLines?: number } = {}): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  const maxLines = opts.maxLines ?? 2000;
  const a = oldText.split('\n');
  const b = newText.split('\n');
  const ops: Array<[' ' | '-' | '+', string]> = [];
  if (a.length * b.length > maxLines * maxLines) {
    for (const l of a) ops.push(['-', l]);
    for (const l of b) ops.push(['+', l]);
  } else {
    // LCS lengths from the end, then walk forward.
    const n = a.length;
    const m = b.length;
    const t: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      const row = t[i]!;
      const next = t[i + 1]!;
      for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? next[j + 1]! + 1 : Math.max(next[j]!, row[j + 1]!);
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) ops.push([' ', a[i++]!]), j++;
      // Removals before additions, as unified diffs show them.
      else if (i < n && (j >= m || t[i + 1]![j]! >= t[i]![j + 1]!)) ops.push(['-', a[i++]!]);
      else ops.push(['+', b[j++]!]);
    }
  }
  // Keep changed lines and `context` lines around them.
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach(([k], idx) => {
    if (k === ' ') return;
    for (let d = Math.max(0, idx - context); d <= Math.min(ops.length - 1, idx + context); d++) keep[d] = true;
  });
  const out: string[] = [];
  let gap = false;
  ops.forEach(([k, l], idx) => {
    if (!keep[idx]) {
      gap = true;
      return;
    }
    if (gap || out.length === 0) out.push('@@');
    gap = false;
    out.push(`${k} ${l}`);
  });
  return out.join('\n');
}
