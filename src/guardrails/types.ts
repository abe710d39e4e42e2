/**
 * The detector contract shared by every guardrail detector (input and output).
 * A detector is built once at load by its factory and then only scans: linear time,
 * no per-call compilation, never throws on hostile input (it returns findings).
 */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  /** Detector name, e.g. `shell`, `sql`, `secrets`, `pii`, `prompt_injection`. */
  readonly detector: string;
  /** Stable rule id inside the detector, e.g. `shell.rm-root`, `secrets.aws-access-token`. */
  readonly rule: string;
  readonly severity: Severity;
  /** Human-readable, never containing the matched secret itself. */
  readonly message: string;
  /**
   * Where in the scanned text (UTF-16 offsets). Redaction uses them only from a detector with
   * `exactSpans`; elsewhere they are a hint near the first occurrence, and may be in the
   * coordinates of a view the detector made itself (a decoded blob, a parse of the argument).
   */
  readonly start?: number;
  readonly end?: number;
  /** Redaction label, e.g. `email` → "[REDACTED:email]". */
  readonly kind?: string;
  /** 0..1 score for learned detectors. */
  readonly score?: number;
}

/** What a detector knows about where the text came from. */
export interface ScanContext {
  /** Upstream server and tool name. */
  readonly server?: string;
  readonly tool?: string;
  /** JSON path of the argument or result field, e.g. `arguments.command`. */
  readonly field?: string;
  /** Roots a tool is allowed to touch (path detector). */
  readonly roots?: readonly string[];
  /** Labels of the tool (e.g. external_sink). */
  readonly labels?: ReadonlySet<string>;
  /** The text is already normalizeText()'s output (the stage scans normalised views). */
  readonly normalized?: boolean;
}

export interface Detector {
  readonly name: string;
  /** Which path it inspects. */
  readonly direction: 'input' | 'output' | 'both';
  /**
   * True when the findings' spans are exact and every occurrence has its own finding (secrets,
   * PII): `redact` then rewrites just those spans, keeping the rest usable. Any other detector's
   * redaction replaces the whole string: one finding per rule, or the phrase of a longer
   * instruction, would leave the rest of what it flagged in place.
   */
  readonly exactSpans?: boolean;
  /**
   * Set when a value can mean more under its name (secrets: `"db_password": "…"` in structured
   * content is a password, as it is in the JSON text of the same result), in arguments and
   * results alike: for a name it says yes to, the stage scans a leaf stored under it (Leaf.name)
   * as `name: value` too, and JSON text as the `name: value` lines of such strings, keeping the
   * findings in the values. Names it says no to would find nothing new (secrets: no keyword).
   */
  readonly readsNames?: (name: string) => boolean;
  scan(text: string, ctx?: ScanContext): Finding[];
}

/**
 * A detector whose work can run off the gateway's thread (the SQL parser, in worker threads):
 * `scanAsync` gives the same findings as `scan` without holding the thread while it waits. The
 * guardrail stage calls it when a detector has it; `scan` stays for synchronous callers.
 */
export interface AsyncDetector extends Detector {
  scanAsync(text: string, ctx?: ScanContext): Promise<Finding[]>;
}

/** One evaluation result row, printed by `npm run eval` and written to the JSON report. */
export interface EvalRow {
  readonly detector: string;
  readonly dataset: string;
  /** `test` for reported figures; `train` only when a set has no split (say so in `note`). */
  readonly split: string;
  readonly positives: number;
  readonly negatives: number;
  /** Null for a benign-only set (no positives: only its false-positive rate is measured). */
  readonly recall: number | null;
  readonly falsePositiveRate: number;
  /** Recall when the threshold is set so that FPR ≤ 1% (score-based detectors), else null. */
  readonly recallAt1pctFpr: number | null;
  readonly note?: string;
}
