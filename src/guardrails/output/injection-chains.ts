/**
 * Chain rules: prompt-injection rules of the shape "word, gap, word, gap, word" inside one
 * sentence ("ignore … previous … instructions", "send … password … to x@y."). As one regex with
 * lazy gaps they are linear, but with a large constant on hostile text: the regex tries every
 * occurrence of the first word and walks every gap from it, again for every later word it finds
 * there, so a 1 MiB text dense in the rule's words cost 100-200 ms.
 *
 * Here the first few occurrences of the first word are tried with the regex directly (a text
 * with an early match is done at once). Past them, each part's occurrences come from the
 * detector's keyword pass (one list per keyword), are checked in place (word boundaries, a
 * bounded word suffix, or a short sticky regex for a tail such as "to x@y."), and are linked from
 * the last part back to the first: an occurrence counts when the nearest counted occurrence of
 * the next part lies within the gap with no sentence end between (read directly, at most the gap).
 * Linear in the number of occurrences plus their sort. The regex built from the same parts still
 * decides the reported match: it runs once, sticky, at the first start that has a whole chain (a
 * property test holds the two to the same first match).
 */

import { escapeRegExp } from '../../shared/escape-regexp.ts';

/** Characters of a gap: anything but a sentence end. */
export const GAP_CLASS = '[^.!?\\n]';

export interface ChainPart {
  /**
   * Lower-case phrases the part is one of, each starting and ending with a word character;
   * a phrase may end in `\w{0,N}` (up to N more word characters, as "instruct\w{0,8}").
   */
  readonly alts: readonly string[];
  /**
   * A regex source matched right after the phrase instead of a closing word boundary
   * ("\s{1,3}(?:…@…\.|https?://)"). Bounded: it runs once per occurrence.
   */
  readonly tail?: string;
  /** Most gap characters between this part and the next (not for the last part). */
  readonly gap?: number;
}

const SUFFIX = /\\w\{0,(\d+)\}$/;
const literalOf = (alt: string) => alt.replace(SUFFIX, '');

/** The global regex a chain stands for (the rule's `re`). */
export function chainRegex(parts: readonly ChainPart[]): RegExp {
  const src = parts
    .map((p, i) => {
      const alts = p.alts.map((a) => {
        const m = SUFFIX.exec(a);
        return m ? `${escapeRegExp(literalOf(a))}\\w{0,${m[1]}}` : escapeRegExp(a);
      });
      const part = `\\b(?:${alts.join('|')})${p.tail ?? '\\b'}`;
      return i < parts.length - 1 ? `${part}${GAP_CLASS}{0,${p.gap}}?` : part;
    })
    .join('');
  return new RegExp(src, 'g');
}

/** The keywords a chain needs from the keyword pass: every phrase without its suffix. */
export function chainKeys(parts: readonly ChainPart[]): string[] {
  return parts.flatMap((p) => p.alts.map(literalOf));
}

/** The occurrences of a keyword that does not occur. */
const NONE: readonly number[] = [];

/** Occurrences of the first part tried with the regex directly before the chain is worked out. */
const EARLY_TRIES = 8;

const isWordCode = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;

export interface CompiledChain {
  /** Keyword indices per part (into the detector's keyword list), for the existence gate. */
  readonly partKeys: readonly (readonly number[])[];
  /**
   * The first match in `lower` (the lower-cased text) given every keyword's sorted start
   * offsets in it, or null.
   */
  match(lower: string, positions: readonly (readonly number[] | undefined)[]): RegExpExecArray | null;
}

/** Compiles a chain against the detector's keyword list (`indexOf` a keyword there). */
export function compileChain(parts: readonly ChainPart[], indexOf: (keyword: string) => number): CompiledChain {
  if (parts.length < 2 || parts.slice(0, -1).some((p) => !(Number.isInteger(p.gap) && p.gap! >= 0) || p.tail !== undefined)) {
    throw new Error('a chain has two or more parts, each but the last with a gap; only the last may have a tail');
  }
  const sticky = new RegExp(chainRegex(parts).source, 'y');
  const compiled = parts.map((p) => ({
    gap: p.gap ?? 0,
    tail: p.tail === undefined ? undefined : new RegExp(p.tail, 'y'),
    alts: p.alts.map((a) => {
      const lit = literalOf(a);
      if (!isWordCode(lit.charCodeAt(0)) || !isWordCode(lit.charCodeAt(lit.length - 1))) {
        throw new Error(`chain phrase "${a}" must start and end with a word character`);
      }
      const suffix = Number(SUFFIX.exec(a)?.[1] ?? 0);
      if (lit.length + suffix > 255) throw new Error(`chain phrase "${a}" is too long`);
      return { key: indexOf(lit), length: lit.length, suffix };
    }),
  }));

  /** End of the part's occurrence of phrase `alt` at `s`, or -1 (the phrase is known to be there). */
  function endAt(lower: string, part: (typeof compiled)[number], alt: (typeof compiled)[number]['alts'][number], s: number): number {
    if (s > 0 && isWordCode(lower.charCodeAt(s - 1))) return -1;
    let e = s + alt.length;
    if (part.tail) {
      part.tail.lastIndex = e;
      const m = part.tail.exec(lower);
      return m ? e + m[0].length : -1;
    }
    for (let k = 0; k < alt.suffix && e < lower.length && isWordCode(lower.charCodeAt(e)); k++) e++;
    return e < lower.length && isWordCode(lower.charCodeAt(e)) ? -1 : e;
  }

  /** First index in sorted `xs` whose value is >= x. */
  function lowerBound(xs: ArrayLike<number>, x: number): number {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (xs[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Start offsets of the first part's occurrences in order, at most `limit` of them. */
  function firstStarts(positions: readonly (readonly number[] | undefined)[], limit: number): number[] {
    const lists = compiled[0]!.alts.map((a) => positions[a.key] ?? NONE);
    const at = lists.map(() => 0);
    const out: number[] = [];
    while (out.length < limit) {
      let best = -1;
      for (let l = 0; l < lists.length; l++) if (at[l]! < lists[l]!.length && (best < 0 || lists[l]![at[l]!]! < lists[best]![at[best]!]!)) best = l;
      if (best < 0) break;
      out.push(lists[best]![at[best]!++]!);
    }
    return out;
  }

  return {
    partKeys: compiled.map((p) => p.alts.map((a) => a.key)),
    match(lower, positions) {
      // Every match starts at an occurrence of the first part: the first few are tried with the
      // regex directly (each attempt is bounded), so a text with an early match is done at once.
      const early = firstStarts(positions, EARLY_TRIES);
      for (const p of early) {
        sticky.lastIndex = p;
        const m = sticky.exec(lower);
        if (m) return m;
      }
      if (early.length < EARLY_TRIES) return null;
      // Occurrences per part that pass their own checks, sorted by start. From several phrases
      // each is packed as start * 256 + length into one float, so a native numeric sort orders
      // them with no object per occurrence (phrases are under 256 characters; only the last part,
      // whose end is never used, may have a longer tail).
      const occ: { starts: Int32Array; ends: Int32Array }[] = [];
      for (const part of compiled) {
        let count = 0;
        let lists = 0;
        for (const alt of part.alts) if ((positions[alt.key]?.length ?? 0) > 0) (count += positions[alt.key]!.length), lists++;
        let starts = new Int32Array(count);
        let ends = new Int32Array(count);
        let n = 0;
        if (lists === 1) {
          // One phrase's occurrences come in order already.
          for (const alt of part.alts) {
            for (const s of positions[alt.key] ?? NONE) {
              const e = endAt(lower, part, alt, s);
              if (e >= 0) (starts[n] = s), (ends[n++] = e);
            }
          }
        } else {
          const packed = new Float64Array(count);
          for (const alt of part.alts) {
            for (const s of positions[alt.key] ?? NONE) {
              const e = endAt(lower, part, alt, s);
              if (e >= 0) packed[n++] = s * 256 + Math.min(e - s, 255);
            }
          }
          const sorted = packed.subarray(0, n).sort();
          for (let j = 0; j < n; j++) {
            const st = Math.floor(sorted[j]! / 256);
            starts[j] = st;
            ends[j] = st + (sorted[j]! - st * 256);
          }
        }
        if (n === 0) return null;
        if (n < count) (starts = starts.subarray(0, n)), (ends = ends.subarray(0, n));
        occ.push({ starts, ends });
      }
      // From the last part back: an occurrence is valid when the nearest valid occurrence of the
      // next part starting at or after its end lies within the gap, with no sentence end between
      // (read directly: at most `gap` characters, and only for occurrences that close).
      let next: ArrayLike<number> = occ[occ.length - 1]!.starts;
      for (let i = occ.length - 2; i >= 0; i--) {
        const { starts, ends } = occ[i]!;
        const gap = compiled[i]!.gap;
        const valid: number[] = [];
        let k = 0;
        let lastEnd = -1;
        for (let j = 0; j < starts.length; j++) {
          const e = ends[j]!;
          // Ends mostly grow with starts: walk on from the last answer, search when one does not.
          if (e >= lastEnd) while (k < next.length && next[k]! < e) k++;
          else k = lowerBound(next, e);
          lastEnd = e;
          if (k >= next.length) continue;
          const t = next[k]!;
          if (t - e > gap) continue;
          let q = e;
          while (q < t) {
            const c = lower.charCodeAt(q);
            if (c === 46 || c === 33 || c === 63 || c === 10) break;
            q++;
          }
          if (q === t) valid.push(starts[j]!);
        }
        if (valid.length === 0) return null;
        next = valid;
      }
      // `next` now holds the starts with a whole chain; the regex reports the first one's match.
      for (let j = 0; j < next.length; j++) {
        const p = next[j]!;
        sticky.lastIndex = p;
        const m = sticky.exec(lower);
        if (m) return m;
      }
      return null;
    },
  };
}
