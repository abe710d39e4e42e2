/**
 * JSON with comments and trailing commas (VS Code, Zed and Claude settings are JSONC). Comments
 * and trailing commas are removed outside strings, then JSON.parse does the rest. Never throws.
 */

export type ParseResult = { readonly ok: true; readonly value: unknown; readonly strict: boolean } | { readonly ok: false; readonly error: string };

/** Strips `//` and `/* *\/` comments and trailing commas, leaving strings untouched. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === ',') {
      let j = i + 1;
      while (j < n && /\s/.test(text[j]!)) j++;
      if (text[j] !== '}' && text[j] !== ']') out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Parses JSON, falling back to JSONC; `strict` says whether plain JSON.parse accepted it. */
export function parseJsonc(text: string): ParseResult {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(t), strict: true };
  } catch {
    // fall through to JSONC
  }
  try {
    return { ok: true, value: JSON.parse(stripJsonc(t)), strict: false };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : 'invalid JSON' };
  }
}
