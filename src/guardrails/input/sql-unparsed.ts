/**
 * Fail-closed judgement of a statement the parser could not verify, in a field meant to hold SQL
 * (`query`, `sql`, `statement`, …). The parser runs the MySQL grammar only, so PostgreSQL syntax
 * (`DELETE … RETURNING *`, `TRUNCATE t CASCADE`, `UPDATE … FROM`, a DELETE inside a WITH) and
 * MySQL statements the grammar lacks (`GRANT ALL PRIVILEGES`, `DROP TEMPORARY TABLE`, `ALTER USER`)
 * do not parse; a statement can also run out of its parse budget or be too long to parse. Without
 * this such a statement gave no finding at all. A SQL field is run as SQL, so a destructive or
 * privileged statement is reported with the rule and severity its parsed form would get; a DELETE
 * or UPDATE counts as unbounded because its WHERE was not checked.
 *
 * Read over a reading's skeleton (sql-comments.ts): no comments, literals emptied, so a keyword in
 * a string or a comment does not count. Only text that starts with a statement keyword is judged
 * (a search phrase that mentions "delete from" is not a statement), and only keywords where a
 * statement can start: first, after `;`, `(` or `)` (`WITH x AS (DELETE …)`), or after EXPLAIN
 * ANALYZE (which runs the statement). One pass; each look-ahead is bounded.
 */
import { fieldLeaf } from './field-roles.ts';
import type { LexSignal } from './sql-lex.ts';

/**
 * Field names that hold a SQL statement. `q` and `filter` are not here: they mostly carry search
 * words, where the fragment scan applies.
 */
const SQL_FIELDS = new Set(['query', 'queries', 'sql', 'sqlquery', 'sqlqueries', 'rawsql', 'rawquery', 'statement', 'statements', 'stmt', 'sqlstatement', 'sqltext', 'querytext', 'sqlstring']);

/** True for a field that holds a SQL statement (see {@link SQL_FIELDS}). */
export function isSqlField(field: string | undefined): boolean {
  const leaf = fieldLeaf(field);
  return leaf !== undefined && SQL_FIELDS.has(leaf);
}

/** Keywords a statement begins with (the gate: text not starting with one is not judged here). */
const STATEMENT_WORDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'TRUNCATE', 'ALTER', 'GRANT', 'REVOKE', 'CREATE', 'REPLACE', 'MERGE', 'WITH', 'EXEC', 'EXECUTE', 'CALL', 'LOAD', 'RENAME', 'SHUTDOWN', 'DECLARE', 'SET', 'EXPLAIN', 'BEGIN', 'DO']);
/**
 * Words after which another statement starts (`EXPLAIN ANALYZE DELETE …` runs the DELETE in
 * PostgreSQL; a rule's `DO INSTEAD DELETE …`). Not `DO` or `THEN`: `ON CONFLICT … DO UPDATE SET`
 * and MERGE's `WHEN MATCHED THEN UPDATE SET` are bounded by their conflict or match condition
 * (MERGE's `THEN DELETE` is judged in every field, by sql-merge.ts).
 */
const LEADS = new Set(['EXPLAIN', 'ANALYZE', 'ANALYSE', 'VERBOSE', 'BEGIN', 'INSTEAD', 'ALSO']);
/** The first word, past blanks and opening parentheses. */
const LEADING_WORD = /^[\s(]*([A-Za-z_]+)/;
/** After `TRUNCATE name`: the end of a TRUNCATE statement (so "truncate the log" is not one). */
const TRUNCATE_TAIL = new Set([';', ',', '*', 'CASCADE', 'RESTRICT', 'RESTART', 'CONTINUE']);
const ACCOUNTS = new Set(['USER', 'ROLE', 'LOGIN', 'GROUP']);
const LOOKAHEAD = 64;
const SET = new Set(['SET']);
const TO = new Set(['TO']);
const FROM = new Set(['FROM']);
const CREATE_PREFIX = new Set(['OR', 'REPLACE', 'IF', 'NOT', 'EXISTS']);

export interface Tok {
  readonly v: string;
  readonly word: boolean;
}

/** Words (upper-cased; a quoted identifier is a word too), `''` for a literal, and single punctuation. */
export function tokens(skeleton: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < skeleton.length) {
    const c = skeleton[i] as string;
    if (c.charCodeAt(0) <= 32) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < skeleton.length && /[A-Za-z0-9_$.]/.test(skeleton[j] as string)) j++;
      out.push({ v: skeleton.slice(i, j).toUpperCase(), word: true });
      i = j;
    } else if ((c === '`' || c === '"') && skeleton[i + 1] === c) {
      // An emptied quoted name or string: a name wherever a name is expected (`DROP TABLE \`t\``).
      out.push({ v: '""', word: true });
      i += 2;
    } else if (c === "'" && skeleton[i + 1] === "'") {
      out.push({ v: "''", word: false });
      i += 2;
    } else {
      out.push({ v: c, word: false });
      i++;
    }
  }
  return out;
}

/** Words between DELETE and its table that are not the table (MySQL's, T-SQL's TOP, PostgreSQL's ONLY). */
const DELETE_MODIFIERS = new Set(['LOW_PRIORITY', 'QUICK', 'IGNORE', 'TOP']);

/**
 * True when the tokens from `i` continue a DELETE: modifiers, then at most a list of names (`t`,
 * `t1, t2.*`: MySQL's multi-table form), then FROM, WHERE or the end. "Delete all files from the
 * folder" has two words in a row before FROM, so it is prose.
 */
function deleteShape(t: readonly Tok[], i: number): boolean {
  let j = i;
  while (j < i + 8) {
    const v = t[j]?.v;
    if (v !== undefined && DELETE_MODIFIERS.has(v)) j++;
    else if (v === '(' && t[j - 1]?.v === 'TOP') {
      // TOP (10): past the closing parenthesis.
      while (j < t.length && j < i + 8 && t[j]?.v !== ')') j++;
      j++;
    } else break;
  }
  if (t[j]?.v === 'FROM') return true;
  let names = 0;
  while (names < LOOKAHEAD && t[j]?.word && t[j]?.v !== 'FROM' && t[j]?.v !== 'WHERE') {
    names++;
    j++;
    if (t[j]?.v === '*') j++;
    if (t[j]?.v !== ',') break;
    j++;
  }
  const end = t[j];
  return names > 0 && (end === undefined || end.v === ';' || end.v === 'FROM' || end.v === 'WHERE' || end.v === 'OUTPUT');
}

const sig = (rule: string, severity: 'medium' | 'high', message: string): LexSignal => ({ rule, severity, message, strong: true });

/** Destructive or privileged statements in an unverified statement's skeleton (see the module comment). */
export function unparsedSignals(skeleton: string): LexSignal[] {
  // The gate first, so text that is no statement is not tokenised.
  if (!STATEMENT_WORDS.has(LEADING_WORD.exec(skeleton)?.[1]?.toUpperCase() ?? '')) return [];
  const t = tokens(skeleton);
  let first = 0;
  while (t[first]?.v === '(') first++;
  if (!STATEMENT_WORDS.has(t[first]?.v ?? '')) return [];
  const found = new Map<string, LexSignal>();
  const add = (s: LexSignal): void => {
    if (!found.has(s.rule)) found.set(s.rule, s);
  };
  /** True when a token in `want` follows `i` within the same statement (bounded look-ahead). */
  const ahead = (i: number, want: ReadonlySet<string>): boolean => {
    for (let j = i + 1; j < t.length && j <= i + LOOKAHEAD; j++) {
      const v = (t[j] as Tok).v;
      if (v === ';') return false;
      if (want.has(v)) return true;
    }
    return false;
  };
  for (let i = 0; i < t.length; i++) {
    const k = t[i] as Tok;
    const next = t[i + 1];
    if (k.v === 'INTO' && (next?.v === 'OUTFILE' || next?.v === 'DUMPFILE')) add(sig('sql.file-access', 'high', 'INTO OUTFILE/DUMPFILE writes a server file (statement not parsed)'));
    const prev = t[i - 1];
    const atStart = i === first || (prev !== undefined && (prev.v === ';' || prev.v === '(' || prev.v === ')' || LEADS.has(prev.v)));
    if (!atStart || !k.word) continue;
    switch (k.v) {
      case 'DELETE':
        if (deleteShape(t, i + 1)) add(sig('sql.unbounded-write', 'high', 'DELETE whose WHERE could not be verified (statement not parsed)'));
        break;
      case 'UPDATE':
        if (ahead(i, SET)) add(sig('sql.unbounded-write', 'high', 'UPDATE whose WHERE could not be verified (statement not parsed)'));
        break;
      case 'TRUNCATE':
        if (next?.v === 'TABLE' || next?.v === 'ONLY' || (next?.word && (t[i + 2] === undefined || TRUNCATE_TAIL.has((t[i + 2] as Tok).v)))) add(sig('sql.truncate', 'high', 'TRUNCATE statement (not parsed)'));
        break;
      case 'DROP':
        if (next?.word) add(sig('sql.drop', 'high', 'DROP statement (not parsed)'));
        break;
      case 'GRANT':
        if (ahead(i, TO)) add(sig('sql.privilege', 'high', 'GRANT changes database privileges (statement not parsed)'));
        break;
      case 'REVOKE':
        if (ahead(i, FROM)) add(sig('sql.privilege', 'high', 'REVOKE changes database privileges (statement not parsed)'));
        break;
      case 'CREATE':
      case 'ALTER': {
        let j = i + 1;
        while (j < t.length && j <= i + 5 && CREATE_PREFIX.has((t[j] as Tok).v)) j++;
        if (ACCOUNTS.has(t[j]?.v ?? '')) add(sig('sql.privilege', 'high', `${k.v} of a database account or role (statement not parsed)`));
        else if (k.v === 'ALTER' && t[j]?.word) add(sig('sql.alter', 'medium', 'ALTER changes the schema (statement not parsed)'));
        break;
      }
      case 'LOAD':
        if (next?.v === 'DATA' || next?.v === 'XML') add(sig('sql.file-access', 'high', 'LOAD DATA reads a file into a table (statement not parsed)'));
        break;
    }
  }
  return [...found.values()];
}
