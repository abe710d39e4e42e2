/**
 * Canonical JSON: the one byte string a value hashes to. Object keys sorted by UTF-16 code
 * units, no whitespace, numbers and strings as `JSON.stringify` writes them (the JCS rules of
 * RFC 8785 for the values Warden records). It never throws: values JSON cannot carry become
 * something stable instead, because an audit record must be written whatever an upstream sent.
 */

/** Deeper values are replaced by a marker; request JSON is already depth-capped at the edge. */
const MAX_DEPTH = 256;

/**
 * A value already in canonical JSON (written verbatim), so a large argument or result is
 * serialized once: for its hash and size, and inside the record.
 */
export class RawJson {
  constructor(readonly json: string) {}
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/**
 * Serializes `value` canonically.
 * - keys sorted, no whitespace; `undefined`, functions and symbols are dropped from objects and
 *   become `null` in arrays (as JSON.stringify does);
 * - non-finite numbers become `null`, `-0` becomes `0`, bigints become decimal strings;
 * - `toJSON()` is honoured (Dates); Maps and Sets become objects and arrays;
 * - a cycle becomes the string `"[Circular]"`, nesting past 256 levels `"[TooDeep]"`.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, new Set(), 0);
  return parts.join('');
}

function write(v: unknown, out: string[], seen: Set<object>, depth: number): void {
  switch (typeof v) {
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'number':
      out.push(Number.isFinite(v) ? (Object.is(v, -0) ? '0' : String(v)) : 'null');
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'bigint':
      out.push(JSON.stringify(v.toString()));
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null');
      return;
  }
  if (v === null) {
    out.push('null');
    return;
  }
  if (v instanceof RawJson) {
    out.push(v.json);
    return;
  }
  const obj = v as object;
  if (depth >= MAX_DEPTH) {
    out.push('"[TooDeep]"');
    return;
  }
  if (seen.has(obj)) {
    out.push('"[Circular]"');
    return;
  }
  seen.add(obj);
  try {
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      let j: unknown;
      try {
        j = toJSON.call(obj);
      } catch {
        j = '[Unserializable]';
      }
      write(j, out, seen, depth + 1);
      return;
    }
    if (Array.isArray(obj) || obj instanceof Set) {
      const arr = Array.isArray(obj) ? obj : [...obj];
      out.push('[');
      for (let i = 0; i < arr.length; i++) {
        if (i) out.push(',');
        write(arr[i], out, seen, depth + 1);
      }
      out.push(']');
      return;
    }
    if (ArrayBuffer.isView(obj)) {
      // Binary content is recorded as base64 so its hash is stable.
      out.push(JSON.stringify(Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64')));
      return;
    }
    const entries: [string, unknown][] =
      obj instanceof Map ? [...obj].map(([k, x]) => [String(k), x]) : Object.entries(obj);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    out.push('{');
    let first = true;
    for (const [k, x] of entries) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(x, out, seen, depth + 1);
    }
    out.push('}');
  } finally {
    seen.delete(obj);
  }
}
