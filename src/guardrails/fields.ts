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
  const visit = (v: unknown, field: string, keys: (string | number)[], depth: number): void => {
    if (overflow) return;
    if (typeof v === 'string') return add({ field, keys, value: v });
    // A number is text to whoever reads it (an address as an integer, a card number).
    if (typeof v === 'number' || typeof v === 'bigint') return add({ field, keys, value: String(v) });
    if (v === null || typeof v !== 'object') return;
    if (depth >= lim.maxDepth) { overflow = 'depth'; return; }
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, fmt(field, i), [...keys, i], depth + 1));
      return;
    }
    const o = v as Record<string, unknown>;
    const media = o.type === 'image' || o.type === 'audio';
    for (const [k, x] of Object.entries(o)) {
      if (!opts.result || !PROTOCOL_KEYS.has(k)) objectKeys.add(k);
      if (opts.result && typeof x === 'string' && (k === 'blob' || (k === 'data' && media))) payload(x, fmt(field, k), [...keys, k]);
      else if (opts.result && typeof x === 'string' && PROTOCOL_VALUES[k]?.test(x)) continue;
      else visit(x, fmt(field, k), [...keys, k], depth + 1);
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
      for (const [k] of entries) delete o[k];
      for (const [k, x] of entries) {
        let name = renames.get(k) ?? k;
        // Two keys redacted alike must not overwrite each other's values.
        for (let n = 2; name !== k && Object.hasOwn(o, name); n++) name = `${renames.get(k)}#${n}`;
        o[name] = x;
      }
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
  let out = s;
  for (let i = merged.length - 1; i >= 0; i--) {
    const m = merged[i]!;
    out = `${out.slice(0, m.start)}[REDACTED:${m.kind}]${out.slice(m.end)}`;
  }
  return out;
}
