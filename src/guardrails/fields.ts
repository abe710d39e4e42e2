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
  /** The JSON text read. */
  readonly json: string;
  /**
   * Per value, in the order of `text`: where it is in `text` ([from, to)) and in the JSON text
   * ([start, end), inside its quotes), and whether it is written there with escapes.
   */
  readonly parts: readonly { readonly from: number; readonly to: number; readonly start: number; readonly end: number; readonly escaped: boolean }[];
  /** Set when the text would have grown past the caller's bound: the rest was not read. */
  readonly exhausted?: true;
}

/** A string read in an object (directly, or as an element of a list under one of its keys). */
interface ObjectString {
  /** The key it is stored under in the object (a list's key for the list's elements). */
  readonly key: string;
  /** Whether it is the key's value itself, not an element of a list there (only such a string names a sibling). */
  readonly direct: boolean;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** An object open in the scan of `namedValues`. */
interface OpenObject {
  readonly object: true;
  /** The key whose value comes next (undefined while a key is expected). */
  key: string | undefined;
  /** Its strings and where each stands, named when it closes. */
  readonly strings: ObjectString[];
}

/** An object or array open in the scan of `namedValues`. */
type Open =
  | OpenObject
  | {
      readonly object: false;
      /**
       * The nearest object the array is in (through nested arrays) and the key it is under there:
       * its elements are named with that object's other strings when it closes, as `nameOf` names
       * the key (a list under `value` beside a `name` takes the name). None for a top-level list.
       */
      readonly owner: { readonly object: OpenObject; readonly key: string } | undefined;
    };

/**
 * `NamedText` of a leaf that is a JSON object or array (undefined otherwise, or when no string in
 * it has a name), names as in a walk (`nameOf`): a list's elements take the name of its key.
 * Once JSON.parse has accepted the text, one scan of it finds each string where it stands: no
 * search (a value can be spelled like a key, or escaped as the upstream chose), and linear in the
 * text. A name repeats for each element of a list, so a long key over a list of short strings
 * multiplies the text: past `maxChars`, reading stops and the result says so (`exhausted`).
 * Only names `reads` says yes to are read.
 */
export function namedValues(json: string, maxChars = Infinity, reads: (name: string) => boolean = () => true): NamedText | undefined {
  const first = json.charCodeAt(json.search(/\S/));
  if (first !== 123 && first !== 91) return undefined; // { or [
  try {
    JSON.parse(json);
  } catch {
    return undefined;
  }
  let text = '';
  let exhausted = false;
  const parts: { from: number; to: number; start: number; end: number; escaped: boolean }[] = [];
  const emit = (name: string | undefined, value: string, start: number, end: number): void => {
    if (name === undefined || value.length === 0 || exhausted || !reads(name)) return;
    if (text.length + name.length + value.length + 3 > maxChars) {
      exhausted = true;
      return;
    }
    text += `${name}: `;
    parts.push({ from: text.length, to: text.length + value.length, start, end, escaped: end - start !== value.length });
    text += `${value}\n`;
  };
  const stack: Open[] = [];
  /** The object and key an array opened in `top` belongs to: `top` itself, or the owner of the array `top`. */
  const ownerIn = (top: Open | undefined): Extract<Open, { object: false }>['owner'] =>
    top === undefined ? undefined : top.object ? (top.key === undefined ? undefined : { object: top, key: top.key }) : top.owner;
  const n = json.length;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 34) {
      // A string: its end is the next quote not escaped (the text is valid JSON).
      let e = i + 1;
      let escaped = false;
      for (let d: number; (d = json.charCodeAt(e)) !== 34; ) {
        if (d === 92) {
          escaped = true;
          e += 2;
        } else e++;
      }
      const value = escaped ? (JSON.parse(json.slice(i, e + 1)) as string) : json.slice(i + 1, e);
      if (top?.object && top.key === undefined) top.key = value;
      else if (top?.object) top.strings.push({ key: top.key!, direct: true, start: i + 1, end: e, value });
      else if (top?.owner) top.owner.object.strings.push({ key: top.owner.key, direct: false, start: i + 1, end: e, value });
      i = e;
    } else if (c === 123 || c === 91) {
      stack.push(c === 123 ? { object: true, key: undefined, strings: [] } : { object: false, owner: ownerIn(top) });
    } else if (c === 125 || c === 93) {
      const done = stack.pop()!;
      // An object's strings are named when it closes: a `value`'s `name` sibling may come after it.
      if (done.object && done.strings.length > 0) {
        // A sibling is the last string written under its key (a list's elements are not its key's
        // value). JSON.parse keeps the last value of a repeated key whatever it is, so where that
        // one is not a string an earlier string may still name here: more names than a walk, never fewer.
        const siblings = Object.fromEntries(done.strings.filter((v) => v.direct).map((v) => [v.key, v.value]));
        for (const v of done.strings) emit(nameOf(siblings, v.key, false), v.value, v.start, v.end);
      }
      const outer = stack[stack.length - 1];
      if (outer?.object) outer.key = undefined;
    } else if (c === 44 && top?.object) top.key = undefined; // `,` in an object: a key comes next
  }
  if (exhausted) return { text, json, parts, exhausted: true };
  return parts.length > 0 ? { text, json, parts } : undefined;
}

/**
 * A span of a `NamedText`'s text as a span of the JSON text, the same characters read through
 * any escapes (`\n`, `\u00e9`); undefined when it is not within one value.
 */
export function namedSpan(named: NamedText, start: number, end: number): [number, number] | undefined {
  const ps = named.parts;
  if (ps.length === 0) return undefined;
  let lo = 0;
  let hi = ps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ps[mid]!.from <= start) lo = mid;
    else hi = mid - 1;
  }
  const p = ps[lo]!;
  if (start < p.from || end > p.to || end <= start) return undefined;
  if (!p.escaped) return [p.start + start - p.from, p.start + end - p.from];
  // Walk the written value to the decoded offsets: an escape is 2 characters, or 6 for \uXXXX
  // (one UTF-16 unit each, as JSON.parse reads them).
  const json = named.json;
  let at = p.start;
  let a = -1;
  for (let d = 0; d < end - p.from; d++) {
    if (d === start - p.from) a = at;
    at += json.charCodeAt(at) !== 92 ? 1 : json.charCodeAt(at + 1) === 117 ? 6 : 2;
  }
  return [a, at];
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
      // Defined, not assigned: an own `__proto__` key (JSON.parse makes them) would set the prototype.
      for (const [name, x] of renamed) Object.defineProperty(o, name, { value: x, enumerable: true, writable: true, configurable: true });
    }
    for (const x of Object.values(o)) visit(x);
  };
  visit(root);
}

/** Replaces `[start,end)` spans with `[REDACTED:<kind>]`, merging overlaps. */
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
