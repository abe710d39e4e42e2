/**
 * Backslash escapes the shell itself decodes: in `$'…'` (ANSI-C quoting), in printf formats and in
 * `echo -e`. Left encoded, `$'\x72m' -rf /` names a command `\x72m` and every rule misses `rm`.
 * One left-to-right pass, linear in the input.
 */

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };
const OCT = /[0-7]/;
const HEX = /[0-9a-fA-F]/;

/** Reads up to `max` characters of class `re` from `s` at `i`. */
function digits(s: string, i: number, re: RegExp, max: number): string {
  let j = i;
  while (j < s.length && j - i < max && re.test(s[j] as string)) j++;
  return s.slice(i, j);
}

const char = (code: number): string => (code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd');

/**
 * Decodes `\n`, `\t` …, `\NNN` octal, `\xHH`, `\uHHHH`, `\UHHHHHHHH` and `\cX`. `echo` mode reads
 * octal as `\0NNN` (echo -e) and stops at `\c`, as echo does; unknown escapes stay as written.
 */
export function decodeEscapes(s: string, mode: 'ansi' | 'echo' = 'ansi'): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const e = s[i + 1] as string;
    if (SIMPLE[e] !== undefined && (mode === 'ansi' || (e !== "'" && e !== '"' && e !== '?'))) {
      out += SIMPLE[e];
      i++;
    } else if (OCT.test(e)) {
      const start = mode === 'echo' && e === '0' ? i + 2 : i + 1;
      if (mode === 'echo' && e !== '0') {
        out += c;
        continue;
      }
      const d = digits(s, start, OCT, 3);
      out += String.fromCharCode(parseInt(d || '0', 8) & 0xff);
      i = start + d.length - 1;
    } else if ((e === 'x' || e === 'u' || e === 'U') && HEX.test(s[i + 2] ?? '')) {
      const d = digits(s, i + 2, HEX, e === 'x' ? 2 : e === 'u' ? 4 : 8);
      out += char(parseInt(d, 16));
      i += 1 + d.length;
    } else if (e === 'c' && mode === 'echo') {
      return out;
    } else if (e === 'c' && i + 2 < s.length) {
      out += String.fromCharCode((s.charCodeAt(i + 2) & 0x1f) as number);
      i += 2;
    } else out += c;
  }
  return out;
}
