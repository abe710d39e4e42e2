/**
 * The leaves a guardrail scans, with their JSON paths, and how to write a redacted value back.
 * Every string and number is a leaf, and so are the object keys (one leaf of all distinct keys):
 * an attacker controls the whole shape of arguments and results, not just the fields a client
 * shows. Base64 payloads of results (`blob`, image and audio `data`) are decoded first. Walks are
 * bounded (depth, leaf count, characters, payload size): exceeding a bound is reported, and the
 * stage fails closed, so a hostile upstream cannot hide text beyond the scan horizon.
 */
import { asText, printableRuns } from './normalize.ts';

export interface Leaf {
  /** Display path, e.g. `arguments.items[2].body` or `content[0].text`. */
  readonly field: string;
  /** Keys from the walked root to the leaf (`KEYS` last for the keys leaf). */
  readonly keys: readonly (string | number)[];
  readonly value: string;
  /**
   * How the value is stored at `keys`: as is (absent); `base64`, the base64 of its UTF-8 (a
   * decoded payload that is text); `binary`, printable runs found in binary data, which only a
   * whole replacement can redact.
   */
  readonly encoding?: 'base64' | 'binary';
  /** The keys leaf: the distinct object keys, `value` being them joined by newlines. */
  readonly objectKeys?: readonly string[];
  /**
   * The name the value is stored under (see `nameOf`), for detectors that weigh a value by it
   * (`Detector.readsNames`): `"db_password": "…"` is a password, a bare `"…"` only a string.
   */
  readonly name?: string;
}

/** Longest name a leaf is read under (a longer key is text of its own, scanned in the keys leaf). */
const MAX_NAME = 128;
/** Keys of a `value` whose sibling names it: `{name, value}` (environment lists), `{Key, Value}` (tags). */
const VALUE_KEY = /^value$/i;
const NAME_KEYS = ['name', 'Name', 'NAME', 'key', 'Key', 'KEY'];

/**
 * The name `o[k]` is stored under: `k`, or for a `value` beside a string `name` or `key`, that
 * sibling (`{"name": "STRIPE_SECRET_KEY", "value": "…"}`: Kubernetes and ECS environments, AWS
 * parameters and tags). Undefined for the protocol's own keys in results (`text` names nothing)
 * and for names too long to be one.
 */
function nameOf(o: Record<string, unknown>, k: string, result: boolean | undefined): string | undefined {
  if (VALUE_KEY.test(k)) {
    for (const n of NAME_KEYS) {
      const sibling = o[n];
      if (typeof sibling === 'string' && sibling.length > 0 && sibling.length <= MAX_NAME) return sibling;
    }
  }
  if (result && PROTOCOL_KEYS.has(k)) return undefined;
  return k.length <= MAX_NAME ? k : undefined;
}

/** The last element of the keys leaf's `keys`. */
const KEYS = '{keys}';

export interface WalkLimits {
  readonly maxDepth: number;
  readonly maxStrings: number;
  readonly maxChars: number;
  /** Longest single string scanned; a longer one fails closed (bounds per-leaf detector work). */
  readonly maxLeafChars?: number;
  /** Longest base64 payload decoded (results); a longer one fails closed. */
  readonly maxPayloadChars?: number;
}

export interface WalkResult {
  readonly leaves: Leaf[];
  /** Set when a bound was hit; the walk stopped there. */
  readonly overflow?: 'depth' | 'strings' | 'chars' | 'leaf' | 'payload';
}

export interface WalkOptions {
  /**
   * The walk reads a result: protocol keys and discriminator values are not leaves (see
   * PROTOCOL_KEYS), and base64 payloads are decoded: `blob` (resource contents) and `data` of
   * image and audio content.
   * Text is scanned as text; other bytes by their printable runs (`PAYLOAD_RUN` or longer).
   */
  readonly result?: boolean;
}

/**
 * The protocol's own vocabulary in results (an upstream's, the messages it relays during a call,
 * and a client's answers to its requests): the MCP schema's property names (left out of the keys
 * leaf) and the discriminator and enum values it defines (not scanned as leaves). They are the protocol's
 * words, not the upstream's, and a learned detector has nothing to read in a lone "text" or
 * "content": at a lowered threshold they would be its false positives on every result.
 */
const PROTOCOL_KEYS = new Set(
  (
    'content type text data mimeType resource uri blob name title description size annotations audience priority ' +
    'lastModified _meta structuredContent isError contents messages role icons src sizes theme nextCursor tools prompts ' +
    'resources resourceTemplates uriTemplate arguments required inputSchema outputSchema properties items enum default ' +
    'task taskId status statusMessage progressToken inputRequests requestState params method systemPrompt maxTokens ' +
    'includeContext temperature stopSequences metadata modelPreferences hints costPriority speedPriority ' +
    'intelligencePriority toolUseId toolUseIds input id pollInterval ttl createdAt lastUpdatedAt level logger ' +
    'requestedSchema mode model stopReason action'
  ).split(' '),
);
const PROTOCOL_VALUES: Record<string, RegExp> = {
  type: /^(?:text|image|audio|resource|resource_link|tool_use|tool_result|object|string|number|integer|boolean|array|null)$/,
  role: /^(?:user|assistant)$/,
  level: /^(?:debug|info|notice|warning|error|critical|alert|emergency)$/,
  mimeType: /^(?:application|audio|font|image|message|model|multipart|text|video)\/[a-z0-9.+-]{1,80}$/i,
  // A client's answers to sampling and elicitation (judged on their way to the upstream).
  stopReason: /^(?:endTurn|stopSequence|maxTokens|toolUse)$/,
  action: /^(?:accept|decline|cancel)$/,
};

/** Standard or URL-safe base64, padded or not (length is checked apart). */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Whether a base64-alphabet string has the letters of written text rather than of encoded bytes:
 * in the base64 of binary data about 19% of the characters are digits, `+` or `/` (12 of 64);
 * words run together have almost none.
 */
function readsAsText(b64: string): boolean {
  let other = 0;
  for (let i = 0; i < b64.length; i++) {
    const c = b64.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 43 || c === 47 || c === 45 || c === 95) other++;
  }
  return other < 0.08 * b64.length;
}

/** Shortest printable run read from binary data: random bytes almost never make one this long. */
export const PAYLOAD_RUN = 16;

const IDENT = /^[A-Za-z_$][\w$]*$/;
const fmt = (prefix: string, k: string | number) =>
  typeof k === 'number' ? `${prefix}[${k}]` : IDENT.test(k) ? (prefix ? `${prefix}.${k}` : k) : `${prefix}[${JSON.stringify(k)}]`;

/** Every leaf under `root`: strings, numbers as text, all distinct object keys, decoded payloads. */
export function walkStrings(root: unknown, prefix: string, lim: WalkLimits, base: readonly (string | number)[] = [], opts: WalkOptions = {}): WalkResult {
  const leaves: Leaf[] = [];
  const objectKeys = new Set<string>();
  let chars = 0;
  let overflow: WalkResult['overflow'];
  const add = (leaf: Leaf): void => {
    if (leaves.length >= lim.maxStrings) { overflow = 'strings'; return; }
    if (lim.maxLeafChars !== undefined && leaf.value.length > lim.maxLeafChars) { overflow = 'leaf'; return; }
    chars += leaf.value.length;
    if (chars > lim.maxChars) { overflow = 'chars'; return; }
    leaves.push(leaf);
  };
  const payload = (raw: string, field: string, keys: (string | number)[]): void => {
    if (lim.maxPayloadChars !== undefined && raw.length > lim.maxPayloadChars) { overflow = 'payload'; return; }
    // Only base64 is decoded (MIME line breaks allowed): anything else an upstream put in a payload
    // slot is text, and is read as text; decoding it would turn it into junk no detector reads.
    const b64 = raw.replace(/[\r\n\t ]+/g, '');
    if (!BASE64.test(b64) || b64.length % 4 === 1) return add({ field, keys, value: raw });
    const bytes = Buffer.from(b64, 'base64');
    const text = asText(bytes);
    if (text !== undefined) return add({ field: `${field}(decoded)`, keys, value: text, encoding: 'base64' });
    const runs = printableRuns(bytes, PAYLOAD_RUN);
    if (runs) add({ field: `${field}(decoded)`, keys, value: runs, encoding: 'binary' });
    // Words written without spaces ("IgnoreAllPreviousInstructions") are valid base64 too: a short
    // payload, or one with the letters of text rather than of encoded bytes, is read as written.
    if (b64.length <= 256 || readsAsText(b64)) add({ field, keys, value: raw });
  };
  // `name`: what the value is stored under (see nameOf); an array's elements share the array's.
  const visit = (v: unknown, field: string, keys: (string | number)[], depth: number, name?: string): void => {
    if (overflow) return;
    if (typeof v === 'string') return add({ field, keys, value: v, ...(name === undefined ? {} : { name }) });
    // A number is text to whoever reads it (an address as an integer, a card number).
    if (typeof v === 'number' || typeof v === 'bigint') return add({ field, keys, value: String(v), ...(name === undefined ? {} : { name }) });
    if (v === null || typeof v !== 'object') return;
    if (depth >= lim.maxDepth) { overflow = 'depth'; return; }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, fmt(field, i), [...keys, i], depth + 1, name));
      return;
    }
    const o = v as Record<string, unknown>;
    const media = o.type === 'image' || o.type === 'audio';
    for (const [k, x] of Object.entries(o)) {
      if (!opts.result || !PROTOCOL_KEYS.has(k)) objectKeys.add(k);
      if (opts.result && typeof x === 'string' && (k === 'blob' || (k === 'data' && media))) payload(x, fmt(field, k), [...keys, k]);
      else if (opts.result && typeof x === 'string' && PROTOCOL_VALUES[k]?.test(x)) continue;
      else visit(x, fmt(field, k), [...keys, k], depth + 1, nameOf(o, k, opts.result));
      if (overflow) return;
    }
  };
  visit(root, prefix, [...base], 0);
  // Keys can carry text too (an attacker controls structured results' shape): all distinct keys
  // as one leaf, so a thousand rows with the same ten keys cost one short scan.
  if (!overflow && objectKeys.size > 0) {
    const list = [...objectKeys];
    add({ field: `${prefix || 'result'}{keys}`, keys: [...base, KEYS], value: list.join('\n'), objectKeys: list });
  }
  return overflow ? { leaves, overflow } : { leaves };
}

/**
 * The string values a JSON text stores under names, as one text of `name: value` lines, for the
 * detectors that read names (Detector.readsNames): a tool that returns its data as JSON text
 * (most do, and those with structured content repeat it as text) writes
 * `{"name": "STRIPE_SECRET_KEY", "value": "…"}`, where the value's name is not beside it.
 */
export interface NamedText {
  readonly text: string;
  /** Per value, in order: where it is in `text` ([from, to)) and in the JSON text ([start, end), inside its quotes). */
  readonly parts: readonly { readonly from: number; readonly to: number; readonly start: number; readonly end: number }[];
}

/** Bounds of `namedValues`: values read, and depth. The JSON text is scanned whole anyway; this reading only adds names. */
const NAMED_MAX_VALUES = 10_000;
const NAMED_MAX_DEPTH = 64;

/**
 * `NamedText` of a leaf that is a JSON object or array (undefined otherwise, or when no string in
 * it has a name). Names as in a walk (`nameOf`); each value is found in the JSON text in document
 * order, as a quoted string that is not a key.
 */
export function namedValues(json: string): NamedText | undefined {
  const c = json.charCodeAt(json.search(/\S/));
  if (c !== 123 && c !== 91) return undefined; // { or [
  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch {
    return undefined;
  }
  let text = '';
  const parts: { from: number; to: number; start: number; end: number }[] = [];
  let cursor = 0;
  /** Where the quoted `quoted` stands as a value (not a key) from `cursor` on. */
  const find = (quoted: string): number => {
    for (let at = json.indexOf(quoted, cursor); at >= 0; at = json.indexOf(quoted, at + 1)) {
      let k = at + quoted.length;
      while (k < json.length && (json.charCodeAt(k) === 32 || json.charCodeAt(k) === 10 || json.charCodeAt(k) === 13 || json.charCodeAt(k) === 9)) k++;
      if (json.charCodeAt(k) !== 58) return at; // not followed by `:`
    }
    return -1;
  };
  let stopped = false;
  const visit = (v: unknown, name: string | undefined, depth: number): void => {
    if (stopped || parts.length >= NAMED_MAX_VALUES || depth > NAMED_MAX_DEPTH) return;
    if (typeof v === 'string') {
      if (name === undefined || v.length === 0) return;
      const quoted = JSON.stringify(v);
      const at = find(quoted);
      // Not after the last value: keys that read as integers come first in a parsed object, out of
      // document order. Reading stops there rather than search the text again from the start.
      if (at < 0) {
        stopped = true;
        return;
      }
      cursor = at + quoted.length;
      text += `${name}: `;
      parts.push({ from: text.length, to: text.length + v.length, start: at + 1, end: at + quoted.length - 1 });
      text += `${v}\n`;
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, name, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) visit(o[k], nameOf(o, k, false), depth + 1);
  };
  visit(root, undefined, 0);
  return parts.length > 0 ? { text, parts } : undefined;
}

/**
 * A span of a `NamedText`'s text as a span of the JSON text: within one value, the same characters
 * when the value needed no escaping, else the whole value; undefined when it is not within one.
 */
export function namedSpan(named: NamedText, start: number, end: number): [number, number] | undefined {
  const ps = named.parts;
  let lo = 0;
  let hi = ps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ps[mid]!.from <= start) lo = mid;
    else hi = mid - 1;
  }
  const p = ps[lo]!;
  if (start < p.from || end > p.to || end <= start) return undefined;
  if (p.end - p.start !== p.to - p.from) return [p.start, p.end];
  return [p.start + start - p.from, p.start + end - p.from];
}

/**
 * Writes a leaf's redacted `value` at `keys` (relative to `root`, a structured clone the caller
 * owns), in the leaf's encoding. Not for the keys leaf (see `renameKeys`).
 */
export function setAt(root: unknown, keys: readonly (string | number)[], value: string, encoding?: Leaf['encoding']): void {
  let cur = root as Record<string | number, unknown>;
  for (let i = 0; i < keys.length - 1; i++) cur = cur[keys[i]!] as Record<string | number, unknown>;
  cur[keys[keys.length - 1]!] = encoding ? Buffer.from(value, 'utf8').toString('base64') : value;
}

/** Renames object keys everywhere under `root` (in place, keeping their order). */
export function renameKeys(root: unknown, renames: ReadonlyMap<string, string>): void {
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const o = v as Record<string, unknown>;
    const entries = Object.entries(o);
    if (entries.some(([k]) => renames.has(k))) {
      // Keys redacted alike must not overwrite each other's values, nor a key the object already
      // has under that name: each takes the next free suffix of its redacted form, counted on per
      // form (a thousand keys redacted alike would otherwise probe n² names).
      const used = new Set(entries.filter(([k]) => !renames.has(k)).map(([k]) => k));
      const nextSuffix = new Map<string, number>();
      const renamed = entries.map(([k, x]): [string, unknown] => {
        const base = renames.get(k);
        if (base === undefined) return [k, x];
        let name = base;
        let n = nextSuffix.get(base) ?? 2;
        while (used.has(name)) name = `${base}#${n++}`;
        nextSuffix.set(base, n);
        used.add(name);
        return [name, x];
      });
      for (const [k] of entries) delete o[k];
      for (const [name, x] of renamed) o[name] = x;
    }
    for (const x of Object.values(o)) visit(x);
  };
  visit(root);
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
  // Pieces in order, joined once: splicing each span into the whole string copied the text once
  // per finding (seconds for a leaf of thousands of secrets).
  const parts: string[] = [];
  let at = 0;
  for (const m of merged) {
    parts.push(s.slice(at, m.start), `[REDACTED:${m.kind}]`);
    at = m.end;
  }
  parts.push(s.slice(at));
  return parts.join('');
}
