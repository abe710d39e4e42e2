/**
 * A string's UTF-16 code units in a typed array, for the detectors' hand-written scanning loops.
 *
 * Why: V8 stores a string as one-byte or two-byte (and flat, sliced or concatenated) depending on
 * how it was made, and `charCodeAt` in a hot loop that sees several representations becomes
 * polymorphic: the featuriser ran at about half speed in the gateway, where results of every
 * kind pass through it, compared with a benchmark feeding it one kind. Loads from a Uint16Array
 * are one representation whatever the string's; Buffer's encoder copies the units in one native
 * call (a fraction of a nanosecond per character).
 */

/** 'utf16le' bytes read through a Uint16Array are the units only on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The code units of `s` followed by one 0 (a sentinel: loops may read one past the end without a
 * bounds check deopting them). Lone surrogates are kept: 'utf16le' copies units, it does not
 * validate them.
 */
export function codeUnits(s: string): Uint16Array {
  if (LITTLE_ENDIAN) {
    const buf = Buffer.allocUnsafe(2 * s.length + 2);
    buf.write(s, 0, 'utf16le');
    buf[2 * s.length] = 0;
    buf[2 * s.length + 1] = 0;
    // Pooled buffers are 8-byte aligned in practice; copy rather than assume it.
    if ((buf.byteOffset & 1) === 0) return new Uint16Array(buf.buffer, buf.byteOffset, s.length + 1);
  }
  const out = new Uint16Array(s.length + 1);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Kept between calls of `transientCodeUnits` up to 1 MiB of text (2 MiB of units). */
const KEEP_UNITS = (1 << 20) + 1;
let kept = new Uint16Array(0);

/**
 * `codeUnits` into a buffer reused by the next call: for a synchronous caller that is done with
 * the units before it returns. A fresh multi-megabyte buffer per scan costs page faults that
 * cost more than the copy itself.
 */
export function transientCodeUnits(s: string): Uint16Array {
  const need = s.length + 1;
  if (need > kept.length) {
    if (need > KEEP_UNITS) return codeUnits(s);
    kept = new Uint16Array(Math.min(KEEP_UNITS, Math.max(need, 2 * kept.length, 4096)));
  }
  // A Buffer over the array's own memory: 'utf16le' writes the units in place.
  if (LITTLE_ENDIAN) Buffer.from(kept.buffer, 0, 2 * s.length).write(s, 0, 'utf16le');
  else for (let i = 0; i < s.length; i++) kept[i] = s.charCodeAt(i);
  kept[s.length] = 0;
  return kept.subarray(0, need);
}

/** The string of the first `n` units of `units` (the inverse of `codeUnits`). */
export function stringFromUnits(units: Uint16Array, n: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, 2 * n).toString('utf16le');
  let s = '';
  // In chunks: an argument list spread from a large array exceeds the engine's limit.
  for (let i = 0; i < n; i += 8192) s += String.fromCharCode(...units.subarray(i, Math.min(n, i + 8192)));
  return s;
}
