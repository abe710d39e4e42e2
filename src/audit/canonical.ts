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
  return write(value, new Set(), 0);
}

/**
 * The canonical JSON of `obj` with `extra`'s keys added (they win over `obj`'s), without copying
 * `obj`: the same string as `canonicalJson({ ...obj, ...extra })`. Builds a record's body from its
 * fields and the `v`, `seq` and `ts` the log assigns.
 */
export function canonicalJsonWith(obj: object, extra: Readonly<Record<string, unknown>>): string {
  const seen = new Set<object>([obj]);
  const own = obj as Record<string, unknown>;
  const keys = Object.keys(own);
  for (const k of Object.keys(extra)) if (!Object.hasOwn(own, k)) keys.push(k);
  keys.sort();
  let out = '{';
  for (const k of keys) {
    const x = Object.hasOwn(extra, k) ? extra[k] : own[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + write(x, seen, 1);
  }
  return out + '}';
}

// Strings are concatenated (V8 ropes, flattened once when hashed) rather than pushed and joined.
function write(v: unknown, seen: Set<object>, depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? (Object.is(v, -0) ? '0' : String(v)) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(v.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (v === null) return 'null';
  if (v instanceof RawJson) return v.json;
  const obj = v as object;
  if (depth >= MAX_DEPTH) return '"[TooDeep]"';
  if (seen.has(obj)) return '"[Circular]"';
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
      return write(j, seen, depth + 1);
    }
    if (Array.isArray(obj) || obj instanceof Set) {
      const arr = Array.isArray(obj) ? obj : [...obj];
      let out = '[';
      for (let i = 0; i < arr.length; i++) out += (i ? ',' : '') + write(arr[i], seen, depth + 1);
      return out + ']';
    }
    if (ArrayBuffer.isView(obj)) {
      // Binary content is recorded as base64 so its hash is stable.
      return JSON.stringify(Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64'));
    }
    let out = '{';
    if (obj instanceof Map) {
      const entries: [string, unknown][] = [...obj].map(([k, x]) => [String(k), x]);
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [k, x] of entries) {
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + write(x, seen, depth + 1);
      }
      return out + '}';
    }
    // The default sort compares UTF-16 code units, as RFC 8785 asks.
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec).sort();
    for (const k of keys) {
      const x = rec[k];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + write(x, seen, depth + 1);
    }
    return out + '}';
  } finally {
    seen.delete(obj);
  }
}
