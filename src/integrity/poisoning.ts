/**
 * Tool poisoning scan (issue 8): looks at every text an upstream puts in front of the model — the
 * name, title and description, and every string and key inside the input and output schemas
 * (property descriptions, titles, enum values, defaults, examples) and annotations — for hidden
 * instructions, references to other tools, requests to read or send secrets, Unicode hiding,
 * encoded blobs and excessive length.
 *
 * Each text is scanned as written (offsets valid for highlighting), then as normalised by
 * `guardrails/normalize.ts` (tag characters decoded, invisibles removed, look-alikes folded) and
 * as any base64/hex text it hides. A rule that only matches after unhiding is reported on the
 * whole field with at least `high` severity: the hiding is itself the tell.
 */
import type { Finding, Severity } from '../guardrails/types.ts';
import { expandForScan, normalizeText } from '../guardrails/normalize.ts';
import type { ToolLike } from './canonical.ts';
import { PATTERN_RULES, SENTENCE_RULES, sentences } from './rules.ts';

/** A finding in one field of one tool definition. `start`/`end` are offsets into that field's text. */
export interface ToolFinding extends Finding {
  /** JSON path of the field, e.g. `description`, `inputSchema.properties.path.description`, `inputSchema.properties.<key>`. */
  readonly field: string;
  /** The field's raw text (for highlighting with start/end), capped at 4,000 characters. */
  readonly text: string;
}

export interface PoisoningOptions {
  /** A text field longer than this is a finding (default 2000). */
  readonly maxDescriptionLength?: number;
}

export interface ServerScanContext {
  /** Tool names served by OTHER upstreams; a description that names one is reaching across servers. */
  readonly foreignTools?: ReadonlySet<string>;
}

export interface PoisoningScanner {
  /** Findings for one tool definition. Never throws. */
  scanTool(tool: ToolLike, ctx?: ServerScanContext): ToolFinding[];
  /** Findings for every tool of one server, including cross-tool ones (split payloads), keyed by tool name. */
  scanServer(tools: readonly ToolLike[], ctx?: ServerScanContext): Map<string, ToolFinding[]>;
  /** Findings for one free text (field name for the report). */
  scanText(text: string, field?: string): ToolFinding[];
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

const DETECTOR = 'tool_poisoning';
const TEXT_CAP = 4000;
const MAX_FIELDS = 2000;

// Zero-width and bidi controls. ZWJ (U+200D) and variation selectors are left out: emoji use them.
const INVISIBLE = /[\u200B\u200C\u200E\u200F\u2060-\u2064\uFEFF\u180E\u034F\u115F\u1160\u3164\uFFA0\u00AD]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u061C]/g;
// Tag characters, except after U+1F3F4 (waving black flag) where they spell a subdivision flag.
const TAGS = /(?<!\uD83C\uDFF4(?:\uDB40[\uDC00-\uDC7F])*)\uDB40[\uDC00-\uDC7F]/g;
const WORD = /[\p{L}\p{M}]{2,}/gu;
const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE_SCRIPT = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;
const BLOB = /[A-Za-z0-9+/_-]{40,}={0,2}|(?:0x)?[0-9a-fA-F]{40,}/g;
const KV = /\b([a-z_]{2,20})=([A-Za-z0-9+/]{2,40})\b/g;

interface Field {
  readonly path: string;
  readonly text: string;
}

/** Every string and object key in a definition, with its JSON path. Bounded in count and depth. */
function collectFields(v: unknown, path: string, out: Field[], depth: number): void {
  if (out.length >= MAX_FIELDS || depth > 32) return;
  if (typeof v === 'string') {
    if (v.length > 0) out.push({ path, text: v });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => collectFields(x, `${path}[${i}]`, out, depth + 1));
    return;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = path ? `${path}.${k}` : k;
      // Keys are text the model sees too (property names); schema keywords are harmless to scan.
      out.push({ path: `${p}#key`, text: k });
      collectFields(x, p, out, depth + 1);
    }
  }
}

function span(re: RegExp, text: string): { start: number; end: number } | undefined {
  re.lastIndex = 0;
  let first: number | undefined;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    first ??= m.index;
    last = m.index + m[0].length;
  }
  re.lastIndex = 0;
  return first === undefined ? undefined : { start: first, end: last };
}

/** Builds a scanner once; rules are precompiled in rules.ts. */
export function createPoisoningScanner(opts: PoisoningOptions = {}): PoisoningScanner {
  const maxLen = opts.maxDescriptionLength ?? 2000;

  function textRules(view: string, field: Field, raw: boolean, push: (f: ToolFinding) => void): void {
    const mk = (id: string, sev: Severity, message: string, start: number, end: number): void => {
      // Outside the raw view offsets do not map back: point at the whole field, and the hiding
      // itself makes it at least high.
      const s: Severity = raw ? sev : SEVERITY_RANK[sev] < SEVERITY_RANK.high ? 'high' : sev;
      push({
        detector: DETECTOR, rule: id, severity: s, field: field.path, text: field.text.slice(0, TEXT_CAP),
        message: raw ? message : `${message} (revealed after removing hidden characters or decoding)`,
        start: raw ? start : 0, end: raw ? end : Math.min(field.text.length, TEXT_CAP),
      });
    };
    for (const r of PATTERN_RULES) {
      r.re.lastIndex = 0;
      const m = r.re.exec(view);
      r.re.lastIndex = 0;
      if (m) mk(r.id, r.severity, r.message, m.index, m.index + m[0].length);
    }
    for (const s of sentences(view)) {
      const sentence = view.slice(s.start, s.end);
      let strong = false;
      for (const r of SENTENCE_RULES) {
        if (r.id === 'secrets.reference' && strong) continue;
        if (!r.test(sentence)) continue;
        if (r.severity !== 'medium') strong = true;
        // Trim the highlighted span to the sentence's visible text.
        const lead = sentence.length - sentence.trimStart().length;
        mk(r.id, r.severity, r.message, s.start + lead, s.start + sentence.trimEnd().length);
      }
    }
  }

  function scanField(field: Field): ToolFinding[] {
    const out: ToolFinding[] = [];
    const seen = new Set<string>();
    const push = (f: ToolFinding): void => {
      if (seen.has(f.rule)) return; // one finding per rule per field: the raw one when it exists
      seen.add(f.rule);
      out.push(f);
    };
    const text = field.text;
    const mk = (rule: string, severity: Severity, message: string, sp: { start: number; end: number }): void =>
      push({ detector: DETECTOR, rule, severity, message, field: field.path, text: text.slice(0, TEXT_CAP), ...sp });

    const tags = span(TAGS, text);
    if (tags) mk('unicode.tag-characters', 'critical', 'Unicode tag characters (invisible ASCII smuggling)', tags);
    const inv = span(INVISIBLE, text);
    if (inv) mk('unicode.invisible', 'high', 'zero-width or invisible characters', inv);
    const bidi = span(BIDI, text);
    if (bidi) mk('unicode.bidi', 'high', 'bidirectional override characters (text displays differently than it reads)', bidi);
    WORD.lastIndex = 0;
    let w: RegExpExecArray | null;
    while ((w = WORD.exec(text)) !== null) {
      if (LATIN.test(w[0]) && LOOKALIKE_SCRIPT.test(w[0])) {
        mk('unicode.mixed-script', 'high', 'word mixing Latin with Cyrillic/Greek look-alike letters', { start: w.index, end: w.index + w[0].length });
        break;
      }
    }
    WORD.lastIndex = 0;
    if (text.length > maxLen && !field.path.endsWith('#key')) {
      mk('length.excessive', 'medium', `text is ${text.length} characters (limit ${maxLen})`, { start: maxLen, end: text.length });
    }
    const views = expandForScan(text);
    const norm = normalizeText(text);
    const decodedFrom = norm !== text ? 2 : 1;
    if (views.length > decodedFrom) {
      const b = span(BLOB, text);
      mk('hidden.encoded-text', 'high', 'encoded (base64/hex) text hidden in the definition', b ?? { start: 0, end: text.length });
    }
    views.forEach((v, i) => textRules(v, field, i === 0, push));
    return out;
  }

  function scanTool(tool: ToolLike, ctx: ServerScanContext = {}): ToolFinding[] {
    try {
      const fields: Field[] = [];
      collectFields(tool, '', fields, 0);
      // Object keys of the top level (name, description, …) are fixed words; skip them.
      const out = fields.filter((f) => !(f.path.endsWith('#key') && !f.path.includes('.'))).flatMap(scanField);
      if (ctx.foreignTools?.size) {
        for (const f of fields) {
          if (f.path.endsWith('#key')) continue;
          for (const name of ctx.foreignTools) {
            // Only distinctive names (with _ or -, 5+ chars): "search" in prose is not a reference.
            if (name === tool.name || name.length < 5 || !/[_-]/.test(name)) continue;
            const i = f.text.indexOf(name);
            if (i < 0) continue;
            out.push({
              detector: DETECTOR, rule: 'crosstool.foreign-reference', severity: 'high',
              message: `names a tool of another server (${name})`, field: f.path, text: f.text.slice(0, TEXT_CAP),
              start: i, end: i + name.length,
            });
            break;
          }
        }
      }
      return out;
    } catch {
      // A definition we cannot walk is itself suspicious: fail closed with a finding.
      return [{ detector: DETECTOR, rule: 'definition.unreadable', severity: 'high', message: 'definition could not be scanned', field: '', text: '' }];
    }
  }

  function scanServer(tools: readonly ToolLike[], ctx: ServerScanContext = {}): Map<string, ToolFinding[]> {
    const res = new Map<string, ToolFinding[]>();
    for (const t of tools) res.set(t.name, scanTool(t, ctx));
    // Split payloads: the same opaque key=value marker in several tools' descriptions, each
    // harmless alone (mcp-defense-bench multi-tool-split-poisoning). Reported, not enforced.
    const byKey = new Map<string, Array<{ tool: ToolLike; start: number; end: number; value: string }>>();
    for (const t of tools) {
      const d = typeof t.description === 'string' ? t.description : '';
      KV.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = KV.exec(d)) !== null) {
        const list = byKey.get(m[1]!) ?? [];
        list.push({ tool: t, start: m.index, end: m.index + m[0].length, value: m[2]! });
        byKey.set(m[1]!, list);
      }
    }
    for (const [key, hits] of byKey) {
      const tools2 = new Set(hits.map((h) => h.tool.name));
      if (tools2.size < 2 || new Set(hits.map((h) => h.value)).size < 2) continue;
      for (const h of hits) {
        const list = res.get(h.tool.name) ?? [];
        if (list.some((f) => f.rule === 'split.fragments')) continue;
        list.push({
          detector: DETECTOR, rule: 'split.fragments', severity: 'medium',
          message: `opaque "${key}=" fragment repeated across ${tools2.size} tools (possible split payload)`,
          field: 'description', text: (h.tool.description ?? '').slice(0, TEXT_CAP), start: h.start, end: h.end,
        });
        res.set(h.tool.name, list);
      }
    }
    return res;
  }

  return {
    scanTool,
    scanServer,
    scanText: (text, field = 'text') => scanField({ path: field, text }),
  };
}

/** The worst severity among findings, or undefined for none. */
export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  let w: Severity | undefined;
  for (const f of findings) if (!w || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w]) w = f.severity;
  return w;
}
