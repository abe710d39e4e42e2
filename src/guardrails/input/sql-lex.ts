/**
 * A linear SQL token scan for values that are not whole statements (fragments spliced into a
 * query by a tool), plus NoSQL (MongoDB) operator and JavaScript-injection shapes.
 * Strong signals are flagged as they are; weak ones go to the parser for confirmation.
 */
import type { Severity } from '../types.ts';
import { readings, withoutComments } from './sql-comments.ts';
import { STACKED, stackedAt } from './sql-stacked.ts';

export interface LexSignal {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  /** Flag without asking the parser. */
  readonly strong: boolean;
}

/** A token of the fragment scan: word, number, quote, operator, comment start or `;`. */
export interface Tok {
  readonly t: 'w' | 'n' | 's' | 'q' | 'o' | 'c' | ';';
  readonly v: string;
}

const MAX_TOKENS = 4096;

/** A `;` at `i` that ends a quote break or a lone number: what follows is read as SQL, not prose. */
const strictAfter = (toks: readonly Tok[], i: number): boolean => toks[i - 1]?.t === 'q' || (i === 1 && toks[0]!.t === 'n');

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length && out.length < MAX_TOKENS) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_@$]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_@$.]/.test(s[j] as string)) j++;
      out.push({ t: 'w', v: s.slice(i, j).toUpperCase() });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[0-9a-fA-FxX.]/.test(s[j] as string)) j++;
      out.push({ t: 'n', v: s.slice(i, j) });
      i = j;
    } else if (c === "'" || c === '"' || c === '`' || c === '\u2018' || c === '\u2019' || c === '\u201c' || c === '\u201d') {
      // A quote is reported on its own: in a fragment we do not know which side of a literal we are on.
      out.push({ t: 'q', v: c });
      i++;
    } else if (c === '-' && s[i + 1] === '-') {
      out.push({ t: 'c', v: '--' });
      i += 2;
    } else if (c === '#' || (c === '/' && s[i + 1] === '*')) {
      out.push({ t: 'c', v: c === '#' ? '#' : '/*' });
      i += c === '#' ? 1 : 2;
    } else if (c === ';') {
      out.push({ t: ';', v: ';' });
      i++;
    } else {
      let j = i + 1;
      if (/[=<>!|&]/.test(c)) while (j < s.length && j - i < 3 && /[=<>!|&]/.test(s[j] as string)) j++;
      out.push({ t: 'o', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const TIME = new Set(['SLEEP', 'BENCHMARK', 'PG_SLEEP', 'DBMS_LOCK.SLEEP', 'DBMS_PIPE.RECEIVE_MESSAGE', 'RANDOMBLOB']);
const OS = new Set(['XP_CMDSHELL', 'SP_OACREATE', 'SP_OAMETHOD', 'XP_DIRTREE', 'XP_FILEEXIST', 'XP_REGREAD', 'SP_MAKEWEBTASK', 'SYS_EXEC', 'SYS_EVAL']);
const FILE_FUNCS = new Set(['LOAD_FILE', 'PG_READ_FILE', 'PG_LS_DIR', 'UTL_HTTP.REQUEST', 'UTL_INADDR.GET_HOST_ADDRESS', 'UTL_INADDR.GET_HOST_NAME', 'UTL_FILE.FOPEN', 'HTTPURITYPE', 'LO_IMPORT', 'LO_EXPORT', 'DBMS_XMLGEN.GETXML']);
const ERROR_FUNCS = new Set(['EXTRACTVALUE', 'UPDATEXML', 'EXP', 'GTID_SUBSET', 'JSON_KEYS', 'CTXSYS.DRITHSX.SN', 'XMLTYPE']);
const RECON = new Set(['INFORMATION_SCHEMA', '@@VERSION', '@@DATADIR', '@@HOSTNAME', 'SYSOBJECTS', 'SYSCOLUMNS', 'PG_CATALOG', 'PG_SHADOW', 'PG_USER', 'MYSQL.USER', 'SYS.USER$', 'ALL_TABLES', 'ALL_TAB_COLUMNS', 'DBA_USERS', 'SQLITE_MASTER', 'MASTER..SYSDATABASES', 'SYS.TABLES', 'CURRENT_USER', 'VERSION', 'USER', 'DATABASE', 'CURRENT_SETTING', 'DB_NAME', 'SYSTEM_USER', 'SESSION_USER', 'SCHEMA']);
/** Tables holding password hashes or logins. */
const CREDENTIAL_TABLES = new Set(['PG_SHADOW', 'PG_AUTHID', 'SYSUSERS', 'SYSLOGINS', 'SQL_LOGINS', 'DBA_USERS', 'USER$', 'SYSXLOGINS']);
const PRIVILEGE_PROCS = new Set(['SP_ADDSRVROLEMEMBER', 'SP_ADDLOGIN', 'SP_ADDROLEMEMBER', 'SP_CONFIGURE', 'SP_PASSWORD', 'SP_GRANTLOGIN']);
const DROP_OBJECTS = new Set(['TABLE', 'DATABASE', 'SCHEMA', 'FUNCTION', 'PROCEDURE', 'VIEW', 'USER', 'INDEX', 'TRIGGER']);
/**
 * Words a dialect puts between DROP and the object (MySQL's `DROP TEMPORARY TABLE`, PostgreSQL's
 * `DROP MATERIALIZED VIEW` and `DROP FOREIGN TABLE`). Still followed by an object word, so
 * "drop the temporary files" or "drop temporary access" is not one.
 */
const DROP_MODIFIERS = new Set(['TEMPORARY', 'MATERIALIZED', 'FOREIGN']);
/** True when the DROP at `i` is followed by an object word, after at most one modifier. */
function dropsObject(toks: readonly Tok[], i: number): boolean {
  const next = toks[i + 1];
  const dropped = next?.t === 'w' && DROP_MODIFIERS.has(next.v) ? toks[i + 2] : next;
  return dropped?.t === 'w' && DROP_OBJECTS.has(dropped.v);
}
const MAY_DROP = /drop/i;
const MAY_COMMENT = /\/\*|--|#/;
const QUOTES = ["'", '"'] as const;

/**
 * The value's tokens as the database reads them, comments out: in each dialect's reading
 * (sql-comments.ts), and, for each string quote the value holds, as spliced after an opening one
 * (`x'; DROP /*x*\/ TABLE t; --` closes the literal it was spliced into, so its comments are
 * comments; read alone, its `'` opens a literal that hides them). At most six linear passes.
 */
function commentFreeTokens(s: string): Tok[][] {
  const texts = new Set(readings(s).map((r) => r.text));
  for (const q of QUOTES) if (s.includes(q)) for (const r of readings(q + s)) texts.add(r.text);
  return [...texts].map(lex);
}
const BOOL = new Set(['OR', 'AND', 'XOR', '||', '&&', 'NOT', 'HAVING', 'RLIKE', 'LIKE', 'REGEXP']);

/** PostgreSQL `COPY t FROM '/etc/passwd'` / `COPY t TO PROGRAM '…'` (an absolute server path or a program, not STDIN). */
const COPY_FILE = /\bcopy\s+[\w."]+\s*(?:\([^)]{0,200}\)\s*)?(?:from|to)\s+(?:'\/|program\b)/i;

const sig = (rule: string, severity: Severity, message: string, strong: boolean): LexSignal => ({ rule, severity, message, strong });
const STACKED_SIGNAL = sig('sql.stacked', 'high', 'stacked statement after the value', true);

/**
 * Injection signals in a value that is not a whole statement. `sqlField`: the value is in a field
 * meant to hold SQL, where any statement keyword after a `;` is a stacked statement; elsewhere it
 * must have its statement's shape (sql-stacked.ts).
 */
export function lexSignals(s: string, sqlField = false): LexSignal[] {
  const toks = lex(s);
  const out: LexSignal[] = [];
  let sawQuote = false;
  let stacked = false;
  // A `;` followed by a comment or a statement keyword: a comment may split the statement's shape.
  let maySplit = false;
  let weak = 0;
  const isCall = (i: number): boolean => toks[i + 1]?.v === '(';
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i] as Tok;
    const next = toks[i + 1];
    if (k.t === 'q') sawQuote = true;
    if (k.t === 'w' && k.v.includes('.')) {
      // `master..xp_cmdshell`, `information_schema.tables`: the dangerous part is one component of a dotted name.
      for (const part of k.v.split('.')) {
        if (OS.has(part)) out.push(sig('sql.os-command', 'critical', 'database procedure that runs OS commands or touches the file system', true));
        if (CREDENTIAL_TABLES.has(part)) out.push(sig('sql.credential-table', 'high', 'reads a credential table', true));
        if (part === 'INFORMATION_SCHEMA' && (sawQuote || toks.some((x) => x.v === 'SELECT'))) out.push(sig('sql.recon', 'high', 'reads database metadata', true));
      }
    }
    if (k.t === 'w') {
      if (CREDENTIAL_TABLES.has(k.v)) out.push(sig('sql.credential-table', 'high', 'reads a credential table', true));
      if (PRIVILEGE_PROCS.has(k.v)) out.push(sig('sql.privilege', 'high', 'procedure that grants server roles or logins', true));
      if (k.v === 'DROP' && dropsObject(toks, i)) out.push(sig('sql.drop', 'high', 'DROP of a database object', true));
      if (k.v === 'BACKUP' && next?.t === 'w' && (next.v === 'DATABASE' || next.v === 'LOG')) out.push(sig('sql.file-access', 'high', 'BACKUP writes the database to a (possibly remote) file', true));
      if (TIME.has(k.v) && isCall(i)) out.push(sig('sql.time-delay', 'high', 'time-delay function (blind SQL injection)', true));
      if (k.v === 'WAITFOR' && next?.v === 'DELAY') out.push(sig('sql.time-delay', 'high', 'WAITFOR DELAY (blind SQL injection)', true));
      if (OS.has(k.v)) out.push(sig('sql.os-command', 'critical', 'database procedure that runs OS commands or touches the file system', true));
      if (FILE_FUNCS.has(k.v) && isCall(i)) out.push(sig('sql.file-access', 'high', 'database function reading files or making network requests', true));
      if (k.v === 'INTO' && (next?.v === 'OUTFILE' || next?.v === 'DUMPFILE')) out.push(sig('sql.file-access', 'high', 'INTO OUTFILE/DUMPFILE writes a file', true));
      if (ERROR_FUNCS.has(k.v) && isCall(i) && (sawQuote || toks.some((x) => x.v === 'SELECT' || x.v === 'CONCAT'))) out.push(sig('sql.error-based', 'high', 'error-based extraction function', true));
      if (k.v === 'UNION' && (next?.v === 'SELECT' || ((next?.v === 'ALL' || next?.v === 'DISTINCT') && toks[i + 2]?.v.startsWith('SELECT')) || ((next?.v === 'ALL' || next?.v === 'DISTINCT') && toks[i + 2]?.v === 'SELECT') || (next?.v === '(' && toks[i + 2]?.v === 'SELECT'))) {
        out.push(sig('sql.union', 'high', 'UNION SELECT appends attacker-chosen rows', true));
      }
      if (RECON.has(k.v) && (k.v.includes('_') || k.v.includes('@') || k.v.includes('.') || isCall(i)) && (sawQuote || toks.some((x) => x.v === 'SELECT'))) {
        out.push(sig('sql.recon', 'high', 'reads database metadata or version', true));
      }
      if ((k.v === 'ORDER' || k.v === 'GROUP') && next?.v === 'BY' && toks[i + 2]?.t === 'n' && (sawQuote || i <= 2 || toks.some((x) => x.t === 'c'))) {
        out.push(sig('sql.injection', 'high', 'ORDER BY/GROUP BY column probing', false));
        weak++;
      }
      if (k.v === 'WHERE' && toks[i + 2]?.v === '=' && toks[i + 1]?.t === 'n' && toks[i + 1]?.v === toks[i + 3]?.v) out.push(sig('sql.tautology', 'high', 'WHERE with a self-comparison', true));
      if (BOOL.has(k.v) && (sawQuote || i === 0 || toks[i - 1]?.v === ')')) {
        // OR 1=1, OR 'a'='a', OR true, AND 0=benchmark(...)
        let j = i + 1;
        while (toks[j]?.v === '(' && j - i < 8) j++;
        const a = toks[j];
        const op = toks[j + 1];
        const b = toks[j + 2];
        // `1=1`, `x=x`, `7300=7300`: a comparison of a literal with itself is an injected always-true (or probe) clause.
        const same = a !== undefined && b !== undefined && op?.v === '=' && (a.t === 'n' || a.t === 'w') && a.t === b.t && a.v === b.v;
        if (same || (toks[i - 1]?.t === 'q' && op?.t === 'o' && /^(=|==|<>|!=|<|>|<=|>=)$/.test(op.v))) {
          out.push(sig('sql.tautology', 'high', 'quote break or self-comparison followed by a boolean clause', true));
        }
        const tautology = a?.v === 'TRUE' || a?.v === 'FALSE' || (op?.t === 'o' && /^(=|==|<>|!=|<|>|<=|>=)$/.test(op.v) && a !== undefined && b !== undefined) || (a?.t === 'q' || a?.t === 'n');
        if (tautology) {
          out.push(sig('sql.tautology', 'high', 'boolean condition spliced after a quote (auth bypass / blind injection)', false));
          weak++;
        }
      }
    }
    if (k.t === 'o' && (k.v === '||' || k.v === '&&') && sawQuote && toks[i + 1]?.t === 'w' && isCall(i + 1)) {
      out.push(sig('sql.injection', 'high', 'concatenated function call after a quote', false));
      weak++;
    }
    // "Fixed the bug; update the docs" is prose: the statement's shape must follow (sql-stacked.ts).
    // Right after a quote break (`x'; truncate users`), or after a lone number (`1; truncate
    // users` in an id), the text is no sentence: any statement keyword after the `;` is stacked,
    // as in a SQL field.
    if (k.t === ';' && !stacked) {
      if (stackedAt(toks, i, sqlField || strictAfter(toks, i))) {
        stacked = true;
        out.push(STACKED_SIGNAL);
      } else maySplit ||= next?.t === 'c' || (next?.t === 'w' && STACKED.has(next.v));
    }
    if (k.t === 'c' && i > 0 && (toks[i - 1]?.t === 'q' || toks[i - 1]?.v === ')' || (sawQuote && (toks[i - 1]?.t === 'n' || toks[i - 1]?.t === 'w') && toks.slice(0, i).some((x) => x.t === 'w' && BOOL.has(x.v))))) {
      out.push(sig('sql.comment-truncation', 'high', 'comment after a quote truncates the rest of the query', false));
      weak++;
    }
    if (k.t === 'q' && (next?.t === 'o' && next.v === ')' ) && toks[i + 2]?.t === 'w' && BOOL.has((toks[i + 2] as Tok).v)) weak++;
  }
  // `DROP /*x*/ TEMPORARY TABLE t`, `x'; DROP/**/TABLE t; --`, `1;/**/DELETE/**/FROM t`: a comment
  // between the words is a blank to the database, so the shapes are looked for again without them.
  let wantDrop = MAY_DROP.test(s) && !out.some((x) => x.rule === 'sql.drop');
  let wantStacked = !stacked && maySplit;
  if ((wantDrop || wantStacked) && MAY_COMMENT.test(s)) {
    for (const clean of commentFreeTokens(s)) {
      for (let i = 0; i < clean.length && (wantDrop || wantStacked); i++) {
        const x = clean[i] as Tok;
        if (wantDrop && x.t === 'w' && x.v === 'DROP' && dropsObject(clean, i)) {
          wantDrop = false;
          out.push(sig('sql.drop', 'high', 'DROP of a database object', true));
        }
        if (wantStacked && x.t === ';' && stackedAt(clean, i, sqlField || strictAfter(clean, i))) {
          wantStacked = false;
          out.push(STACKED_SIGNAL);
        }
      }
    }
  }
  if (COPY_FILE.test(s)) out.push(sig('sql.file-access', 'high', 'COPY reads or writes a server file or program', true));
  if (MAY_OR.test(s)) out.push(...numericSplice(s));
  // Two independent weak shapes (e.g. quote break + tautology + comment) are an injection without the parser.
  if (weak >= 2) return out.map((x) => (x.strong ? x : { ...x, strong: true }));
  return out;
}

const MAY_OR = /or|\|\|/i;
const COMPARISON = /^(=|==|<=>|<>|!=|<|>|<=|>=)$/;

/** `a op b` for two numeric literals as written (`1=1`, `2>1`, `0x1<>2`); false when either is not a number. */
function numbersCompare(a: string, op: string, b: string): boolean {
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  if (op === '=' || op === '==' || op === '<=>') return x === y;
  if (op === '<>' || op === '!=') return x !== y;
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

/**
 * `1 OR 1=1`, `1 OR true`, `1/**\/OR/**\/2>1`: an always-true OR right after a number, which is how a
 * value spliced into a numeric parameter (`WHERE id = ` + value) widens the query. The check in
 * {@link lexSignals} wants a quote before the OR (a string parameter); this one wants the number
 * and a condition that holds whatever the row (true comparison of two numbers, of a quoted word
 * with itself, or TRUE), so prose (`cats or dogs`, `1 or 2`) is not one. Comments are read out
 * first: `/**\/` between the words is a blank to the database.
 */
function numericSplice(s: string): LexSignal[] {
  const toks = lex(withoutComments(s));
  for (let i = 1; i < toks.length; i++) {
    const k = toks[i] as Tok;
    if (!((k.t === 'w' && k.v === 'OR') || (k.t === 'o' && k.v === '||')) || toks[i - 1]?.t !== 'n') continue;
    let j = i + 1;
    while (toks[j]?.v === '(' && j - i < 8) j++;
    const [a, op, b] = [toks[j], toks[j + 1], toks[j + 2]];
    const isTrue = a?.v === 'TRUE' && !(op?.t === 'o' && COMPARISON.test(op.v));
    const numbers = a?.t === 'n' && b?.t === 'n' && op?.t === 'o' && COMPARISON.test(op.v) && numbersCompare(a.v, op.v, b.v);
    // 'a'='a': quote, word, quote, =, quote, the same word, quote.
    const quoted = a?.t === 'q' && toks[j + 3]?.v === '=' && toks[j + 4]?.t === 'q' && op?.t === 'w' && toks[j + 5]?.v === op.v && toks[j + 6]?.t === 'q';
    if (isTrue || numbers || quoted) return [sig('sql.tautology', 'high', 'always-true OR after a numeric value (numeric splice)', true)];
  }
  return [];
}

const MONGO_OPS = ['$where', '$ne', '$gt', '$gte', '$lt', '$lte', '$nin', '$in', '$regex', '$exists', '$or', '$and', '$nor', '$not', '$expr', '$function', '$accumulator', '$eq', '$elemmatch', '$size', '$type', '$mod', '$all', '$comment', '$lookup', '$text'];

/** MongoDB operator injection (`{"$ne": 1}`, `[$ne]=1`) and server-side JavaScript shapes. */
export function nosqlSignals(s: string): LexSignal[] {
  const out: LexSignal[] = [];
  const t = s.toLowerCase();
  for (let i = t.indexOf('$'); i >= 0 && i < t.length; i = t.indexOf('$', i + 1)) {
    let j = i + 1;
    while (j < t.length && /[a-z]/.test(t[j] as string)) j++;
    const op = t.slice(i, j);
    if (!MONGO_OPS.includes(op)) continue;
    // Operator as a key: `{$ne:`, `"$gt":`, `[$ne]=`, `$where:`.
    const before = t.slice(Math.max(0, i - 2), i);
    const after = t.slice(j, j + 3);
    if (/[{[",\s']$/.test(before) || i === 0) {
      if (/^\s*["']?\s*[:\]=]/.test(after) || op === '$where') {
        out.push(sig(op === '$where' || op === '$function' || op === '$accumulator' ? 'sql.nosql-js' : 'sql.nosql-operator', 'high', 'MongoDB query operator inside a string argument', true));
        break;
      }
    }
  }
  if (/&exists|\[\$[a-z]+\]/.test(t) && !out.length) out.push(sig('sql.nosql-operator', 'high', 'MongoDB query operator inside a string argument', true));
  if (/this\.[a-z_$][\w$]*\.match\(|;\s*return\s|db\.[a-z_]\w*\.(insert|find|update|remove|drop|mapreduce)\(|['"]\s*==\s*['"]|\|\|\s*1\s*==\s*1|while\s*\(\s*pt\s*-|;\s*sleep\(\d/.test(t)) {
    out.push(sig('sql.nosql-js', 'high', 'JavaScript injection into a server-side query', true));
  }
  return out;
}

const esc = (w: string): string => w.replace(/[.$@]/g, (c) => `\\${c}`);
const TRIGGER_WORDS = [...TIME, 'WAITFOR', ...OS, ...FILE_FUNCS, 'INTO', ...ERROR_FUNCS, 'UNION', ...RECON, 'ORDER', 'GROUP', ...BOOL, ...CREDENTIAL_TABLES, ...PRIVILEGE_PROCS, 'DROP', 'BACKUP', 'COPY', 'WHERE'].filter((w) => /^[A-Z_@$]/.test(w));
/**
 * Everything {@link lexSignals} keys on: quotes, `;`, comments, `||`/`&&` and its keywords. A
 * value matching none of them cannot produce a signal, so the token scan (and the parser) is
 * skipped. The word boundary is looser than the lexer's on the left (a digit or dot may precede),
 * which only makes the pre-check fire more often, never less.
 */
const TRIGGER = new RegExp(`['"\`;#\\u2018-\\u201d]|--|/\\*|\\|\\||&&|(?<![A-Za-z_@$])(?:${TRIGGER_WORDS.map(esc).join('|')})(?![A-Za-z0-9_@$.])`, 'i');

/** False when `s` cannot produce any lexical SQL signal (see {@link TRIGGER}). */
export const maySignal = (s: string): boolean => TRIGGER.test(s);

const ACCOUNT_WORDS = new Set(['USER', 'ROLE', 'LOGIN']);
const STATEMENT_DANGER = new Set(['LOAD', 'COPY', ...CREDENTIAL_TABLES, ...PRIVILEGE_PROCS, 'BACKUP', 'DROP', 'TRUNCATE', 'GRANT', 'REVOKE', 'ALTER', 'DELETE', 'UPDATE', 'INTO', 'UNION', 'OR', 'XOR', 'TRUE', 'SLEEP', 'BENCHMARK', 'PG_SLEEP', 'LOAD_FILE', 'PG_READ_FILE', 'LO_IMPORT', 'XP_CMDSHELL', 'INFORMATION_SCHEMA', '@@VERSION', 'PG_CATALOG', ...TIME, ...OS, ...FILE_FUNCS, ...ERROR_FUNCS]);

/**
 * True when a whole statement could trip an AST rule and so must be parsed: a `;` or comment,
 * a destructive, privileged, file or delay keyword, `OR`/`TRUE`, or a comparison of two literals
 * (`1=1`, `2>1`) or of a name with itself (tautologies). A plain `SELECT … WHERE col = 'x' AND n > 2` is not.
 */
export function statementNeedsParse(s: string): boolean {
  const toks = lex(s);
  if (toks.length >= MAX_TOKENS) return true;
  for (let i = 0; i < toks.length; i++) {
    const k = toks[i] as Tok;
    if (k.t === ';' || k.t === 'c') return true;
    if (k.t === 'w' && (STATEMENT_DANGER.has(k.v) || (k.v.includes('.') && k.v.split('.').some((p) => STATEMENT_DANGER.has(p))))) return true;
    // CREATE USER/ROLE makes an account (a privilege rule); a plain CREATE TABLE is not judged.
    if (k.t === 'w' && k.v === 'CREATE' && ACCOUNT_WORDS.has(toks[i + 1]?.v ?? '')) return true;
    if ((k.t === 'o' && COMPARISON.test(k.v)) || (k.t === 'w' && (k.v === 'IS' || k.v === 'LIKE'))) {
      const l = toks[i - 1];
      const r = toks[i + 1];
      if (!l || !r) continue;
      if ((l.t === 'q' || l.t === 'n') && (r.t === 'q' || r.t === 'n')) return true;
      if (l.t === 'w' && r.t === 'w' && l.v === r.v) return true;
    }
  }
  return false;
}
