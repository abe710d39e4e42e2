/**
 * SQL detector, built on node-sql-parser (MySQL grammar by default; parsed in a worker thread with
 * a time budget, see sql-parser.ts). An argument is
 * read two ways:
 * - as a whole statement (a `query` tool argument): parsed, then judged on its AST — stacked
 *   statements, DROP/TRUNCATE, DELETE/UPDATE without WHERE or with a tautology, GRANT/REVOKE,
 *   ALTER, and dangerous functions (sleep, benchmark, xp_cmdshell, load_file, INTO OUTFILE); a
 *   MERGE, which the grammar lacks, when it deletes (sql-merge.ts);
 * - as a value a tool splices into a query: a token scan finds injection shapes (quote break
 *   followed by OR/UNION/comment, a stacked statement after `;` in its statement's shape, so that
 *   "done; update the docs" is prose (sql-stacked.ts), time delays), then the value is placed into
 *   `WHERE c = '…' AND d = 1` templates and parsed: if the parse succeeds and the query's shape
 *   differs from the same template with a harmless value, the value rewrote the query.
 * Text that is not SQL (a parse failure with no injection tokens) is not a finding, except in a
 * field meant to hold SQL (`query`, `sql`, …): there a destructive or privileged statement the
 * parser could not verify fails closed (sql-unparsed.ts). The statement checks read the text with
 * its comments out, in a MySQL and a PostgreSQL reading (sql-comments.ts).
 */
import type { AsyncDetector, Finding, ScanContext } from '../types.ts';
import { bound, decodedViews, DEFAULT_MAX_SCAN, finding, guarded } from './common.ts';
import { lexSignals, maySignal, nosqlSignals, statementNeedsParse, type LexSignal } from './sql-lex.ts';
import { astRules, shapeOf } from './sql-ast.ts';
import { fieldRole } from './field-roles.ts';
import { identifierSignals } from './sql-identifier.ts';
import { parseAsync, parseBounded, startParser, type ParseResult } from './sql-parser.ts';
import { readings } from './sql-comments.ts';
import { isSqlField, unparsedSignals } from './sql-unparsed.ts';
import { mergeSignals, splicedMergeSignals } from './sql-merge.ts';

export interface SqlDetectorOptions {
  /** Max characters of one field inspected lexically (default 16 KiB). */
  readonly maxScan?: number;
  /** Max characters handed to the SQL parser (default 2 KiB; the PEG parser is slow on long hostile input). */
  readonly maxParse?: number;
  /** Dialects tried, in order (node-sql-parser names). */
  readonly dialects?: readonly string[];
  /**
   * Parse time allowed per scanned field, in ms (default 50: hostile shapes take seconds, real
   * queries a few ms; the budget is wall-clock time, so it leaves room for a loaded machine).
   * Parses run in a worker thread (sql-parser.ts); past the budget the field is reported as
   * `sql.too-complex` (medium). `scanAsync` (the gateway) waits without holding the thread;
   * `scan` holds it for up to the budget.
   */
  readonly parseBudgetMs?: number;
}

const D = 'sql';
const STATEMENT_START = /^\s*(?:\(\s*)?(select|insert|update|delete|drop|truncate|alter|grant|revoke|create|replace|merge|with|exec|execute|call|load|rename|shutdown|declare|set)\b/i;
const TEMPLATES: ReadonlyArray<readonly [string, string]> = [
  ["SELECT a FROM t WHERE c = '", "' AND d = 1"],
  ['SELECT a FROM t WHERE c = "', '" AND d = 1'],
  ['SELECT a FROM t WHERE c = ', ' AND d = 1'],
  ["SELECT a FROM t WHERE (c = '", "') AND d = 1"],
  ['SELECT a FROM t WHERE (c = ', ') AND d = 1'],
  ['SELECT a FROM t ORDER BY ', ' LIMIT 1'],
  // The value appended after a complete parameter (`id=1` + value, `name='x'` + value): how payload lists are used.
  ['SELECT a FROM t WHERE c = 1', ' AND d = 1 ORDER BY e'],
  ["SELECT a FROM t WHERE c = 'x'", ' AND d = 1 ORDER BY e'],
];
/**
 * A statement keyword with a body: a terminator, `*`, an empty call, `@@variable`, or a clause
 * keyword (`select version();`, `select user()`, `update t set …`, `drop table t`), not a lone
 * word or a title such as `Update (2)`.
 */
const STATEMENT_BODY = /[;*]|\(\s*\)|@@|\b(?:from|set|into|table|where|values|union)\b/i;
/** An issue or ticket reference (`#123`) in an identifier argument. */
const TICKET_REFERENCE = /^\s*#[0-9]{1,12}\s*$/;
/** Harmless value per template for the baseline shape. */
const BASELINE_VALUE = (pre: string): string => (pre.endsWith('BY ') ? '1' : pre.endsWith('1') || pre.endsWith("'x'") ? '' : 'x');
/** Lexical signals that hold even inside a statement that parses (a `query` argument may legitimately be SQL, not these). */
const STATEMENT_LEX_RULES = new Set(['sql.os-command', 'sql.privilege', 'sql.credential-table', 'sql.file-access']);

/** Max nesting of parentheses handed to the parser: its recursion overflows the stack on deep nests. */
function depthOk(s: string, max = 32): boolean {
  let d = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') d++;
    else if (s[i] === ')') d--;
    if (d > max) return false;
  }
  return true;
}

/** A parse the inspection needs: the text, and the dialects to try (default: all, in order). */
interface ParseRequest {
  readonly sql: string;
  readonly only?: readonly string[];
}
/** The inspection, as a generator that yields each parse it needs and gets back the AST (or nothing). */
type Inspection = Generator<ParseRequest, void, unknown[] | undefined>;

/** Creates the SQL detector. The parser and templates' baseline shapes are built once here. */
export function createSqlDetector(opts: SqlDetectorOptions = {}): AsyncDetector {
  const maxScan = opts.maxScan ?? DEFAULT_MAX_SCAN;
  const maxParse = opts.maxParse ?? 2048;
  // T-SQL is left out by default: its grammar accepts bare English words as variable
  // assignments. PostgreSQL too: its grammar is exponential on shorter shapes than MySQL's
  // (`select select … union`), and the MySQL grammar alone gives the same eval figures.
  const dialects = opts.dialects ?? ['MySQL'];
  const budgetMs = opts.parseBudgetMs ?? 50;
  // Starts the parse workers now (and waits for the first), so no call pays for it. The
  // synchronous ones start on the first `scan` (the gateway only calls `scanAsync`).
  startParser(dialects, 'async');
  let syncStarted = false;

  /** One field's parses share its deadline; the first timeout (or no worker up) ends parsing for the field. */
  interface Budget {
    readonly deadline: number;
    over: boolean;
  }
  const parseable = (req: ParseRequest, b: Budget): boolean => !b.over && req.sql.length <= maxParse * 2 && depthOk(req.sql);
  /** What one dialect's answer means: the AST, `next` (try the next dialect), or undefined (stop: over budget). */
  const outcome = (r: ParseResult, b: Budget): unknown[] | 'next' | undefined => {
    if (r === 'timeout' || r === 'unavailable') {
      b.over = true;
      return undefined;
    }
    return r === 'syntax' ? 'next' : r.ast;
  };
  // A parse request's answer: the AST, or undefined for text no dialect accepts or that was not parsed.
  const answerSync = (req: ParseRequest, b: Budget): unknown[] | undefined => {
    if (!parseable(req, b)) return undefined;
    for (const database of req.only ?? dialects) {
      const o = outcome(parseBounded(req.sql, database, dialects, b.deadline), b);
      if (o !== 'next') return o;
    }
    return undefined;
  };
  const answerAsync = async (req: ParseRequest, b: Budget): Promise<unknown[] | undefined> => {
    if (!parseable(req, b)) return undefined;
    for (const database of req.only ?? dialects) {
      const o = outcome(await parseAsync(req.sql, database, dialects, b.deadline), b);
      if (o !== 'next') return o;
    }
    return undefined;
  };
  const tooComplex = (b: Budget, out: Finding[]): void => {
    if (b.over) out.push(finding(D, 'sql.too-complex', 'medium', `SQL could not be parsed within ${budgetMs} ms; not inspected in full`));
  };

  // The templates' baselines: the shape of each template with a harmless value, parsed by the
  // same grammar as the probes on first use and kept (our own fixed strings: nothing hostile).
  const baselineSql = TEMPLATES.map(([pre, post]) => `${pre}${BASELINE_VALUE(pre)}${post}`);
  const baselines: (string | undefined)[] = [];
  function* baseline(i: number): Generator<ParseRequest, string | undefined, unknown[] | undefined> {
    if (baselines[i] === undefined) {
      const ast = yield { sql: baselineSql[i]!, only: dialects.slice(0, 1) };
      if (ast) baselines[i] = shapeOf(ast);
    }
    return baselines[i];
  }

  /** True when some template parses with the value and its shape differs from the harmless baseline. */
  function* rewritesQuery(value: string): Generator<ParseRequest, boolean, unknown[] | undefined> {
    if (value.length > maxParse) return false;
    for (let i = 0; i < TEMPLATES.length; i++) {
      const [pre, post] = TEMPLATES[i] as readonly [string, string];
      const base = yield* baseline(i);
      if (base === undefined) continue;
      // One dialect for templates: the baseline and the probe must come from the same grammar.
      const ast = yield { sql: `${pre}${value}${post}`, only: dialects.slice(0, 1) };
      if (ast && shapeOf(ast) !== base) return true;
    }
    return false;
  }

  const fromSignals = (sigs: LexSignal[], out: Finding[]): void => {
    for (const s of sigs) out.push(finding(D, s.rule, s.severity, s.message));
  };

  return {
    name: D,
    direction: 'input',
    scan(text: string, ctx?: ScanContext): Finding[] {
      // The synchronous workers start with the first `scan` (before its budget starts).
      if (!syncStarted) syncStarted = startParser(dialects, 'sync');
      return guarded(D, () => {
        const out: Finding[] = [];
        const b: Budget = { deadline: performance.now() + budgetMs, over: false };
        try {
          const it = inspect(text, ctx, out);
          for (let step = it.next(); !step.done; ) step = it.next(answerSync(step.value, b));
        } finally {
          tooComplex(b, out);
        }
        return out;
      });
    },
    async scanAsync(text: string, ctx?: ScanContext): Promise<Finding[]> {
      const out: Finding[] = [];
      const b: Budget = { deadline: performance.now() + budgetMs, over: false };
      try {
        const it = inspect(text, ctx, out);
        for (let step = it.next(); !step.done; ) step = it.next(await answerAsync(step.value, b));
      } catch {
        return [finding(D, `${D}.internal-error`, 'medium', 'detector failed on this input; treated as suspicious (fail closed)')];
      }
      tooComplex(b, out);
      return guarded(D, () => out);
    },
  };

  function* inspect(text: string, ctx: ScanContext | undefined, out: Finding[]): Inspection {
    const body = bound(D, text, maxScan, out);
    // A user name or id holds no SQL at all, so there the parser's confirmation is not needed.
    const identifier = fieldRole(ctx?.field) === 'identifier';
    const sqlField = isSqlField(ctx?.field);
    // Free text for people: a question about MERGE quotes one (sql-merge.ts); a value that is one is still high.
    const prose = fieldRole(ctx?.field) === 'text';
    for (const view of decodedViews(body)) {
      fromSignals(nosqlSignals(view), out);
      if (identifier) {
        // `#123` is how people write an issue or ticket number; spliced unquoted after a complete
        // parameter it would start a MySQL comment, but an id is the parameter, not a suffix to one.
        if (TICKET_REFERENCE.test(view)) continue;
        fromSignals(identifierSignals(view), out);
        // Lexical, not parsed: the PEG grammars are exponential on some failing shapes (`select select …`).
        if (STATEMENT_START.test(view) && STATEMENT_BODY.test(view)) out.push(finding(D, 'sql.statement-in-identifier', 'high', 'an identifier argument holds a whole SQL statement'));
      }
      // The statement checks read the text with its comments out (sql-comments.ts): a leading
      // comment hid the keyword, and MySQL runs what `/*! … */` holds. Every reading is judged.
      let unverified = false;
      let merged = false;
      for (const r of readings(view)) {
        // No grammar we run parses MERGE: a MERGE that deletes is judged on the skeleton, in any field.
        const merge: LexSignal[] = merged ? [] : mergeSignals(r.skeleton, prose && !STATEMENT_START.test(r.text));
        merged ||= merge.length > 0;
        fromSignals(merge, out);
        if (!STATEMENT_START.test(r.text)) {
          unverified = true; // not a statement: the fragment scan below reads it
          if (sqlField) fromSignals(unparsedSignals(r.skeleton), out); // `EXPLAIN ANALYZE DELETE …`
          continue;
        }
        if (r.text.length <= maxParse) {
          // A plain statement with nothing an AST rule looks for is not worth a ~200 µs parse.
          if (!statementNeedsParse(r.text)) continue;
          const ast = yield { sql: r.text };
          if (ast) {
            astRules(ast, out);
            for (const t of [view, r.text]) fromSignals(lexSignals(t).filter((x) => STATEMENT_LEX_RULES.has(x.rule)), out);
            continue;
          }
        }
        // Not parsed (syntax the grammar lacks, over budget, too long). A SQL field is run as
        // SQL, so a destructive or privileged statement there fails closed.
        unverified = true;
        if (sqlField) fromSignals(unparsedSignals(r.skeleton), out);
      }
      // A quote break (`x'; MERGE … THEN DELETE; --`) empties the rest of the value's own skeleton.
      if (!merged) fromSignals(splicedMergeSignals(view, prose), out);
      if (!unverified) continue;
      // Most values hold no quote, comment, operator or SQL keyword: nothing to scan.
      if (!maySignal(view)) continue;
      const sigs = lexSignals(view, sqlField);
      if (sigs.length === 0) {
        // An identifier with SQL keywords and no quote (`1 AND (SELECT …) = 1`): a numeric splice that rewrites the query.
        if (identifier && view.length <= 256 && depthOk(view, 2) && (yield* rewritesQuery(view))) out.push(finding(D, 'sql.injection', 'high', 'value changes the structure of a query it is spliced into'));
        continue;
      }
      const strong = identifier ? sigs : sigs.filter((s) => s.strong);
      fromSignals(strong, out);
      if (strong.length === sigs.length) continue;
      // Weak shapes (quote break + OR, comment after a quote, UNION) need the parser to agree.
      if (yield* rewritesQuery(view)) out.push(finding(D, 'sql.injection', 'high', 'value changes the structure of a query it is spliced into'));
      else if (sigs.some((s) => s.rule === 'sql.injection' && s.severity === 'high')) fromSignals(sigs.filter((s) => !s.strong), out);
    }
  }
}
