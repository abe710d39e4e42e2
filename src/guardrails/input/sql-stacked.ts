/**
 * Is the text after a `;` a stacked SQL statement? In a value that is not a SQL field, a `;` is
 * ordinary punctuation ("Fixed the login bug; update the docs later", "We shipped it; delete the
 * old branch"), so a statement keyword after it is not enough: the keyword must be followed by the
 * clause its statement needs, and English does not write those clauses.
 *
 * - UPDATE: a table, then `SET col =` (or `SET (`) in the same statement;
 * - DELETE: `FROM table`, then the end or a clause (an alias only before one, or a terminator); `DELETE table`
 *   (T-SQL) then WHERE, FROM or a terminator;
 * - INSERT: `INTO table` then `(`, VALUES, SELECT, SET …; `INSERT table` then VALUES, SELECT …;
 * - DROP, CREATE, ALTER: an object word (TABLE, DATABASE, USER, ROLE …) after their modifiers;
 * - TRUNCATE: TABLE or ONLY and a name; or a name then a terminator, CASCADE, RESTRICT …;
 * - GRANT: privileges or a built-in role (`SELECT, INSERT (a)`, `ALL PRIVILEGES`, CONNECT, DBA)
 *   then ON or TO; any other role then `TO name` and a terminator;
 * - SELECT: `*`, `@@var`, a number, a call with an argument list (`version()`, `load_file('…')`);
 *   or columns, FROM, a table, then the end or a clause;
 * - SET: `@var`, or a name (after GLOBAL, SESSION …) then `=`; `SET name TO` a code name or
 *   literal; `SET ROLE r` and a terminator; `SET SESSION AUTHORIZATION`; `SET PASSWORD FOR`;
 * - EXEC, EXECUTE: an argument list, `@var`, a quote, IMMEDIATE, a code name (`sp_who`,
 *   `master..xp_cmdshell`), or a name then an argument, `@var`, a quote or a terminator;
 * - DECLARE: `@var`; a name and a CURSOR; a name, a type, then `(`, `=`, DEFAULT or a terminator;
 * - WAITFOR: DELAY or TIME; SHUTDOWN: its end, WITH NOWAIT or an Oracle mode (IMMEDIATE …);
 * - COPY: a table or `(query)`, FROM or TO, then a quote, STDIN, STDOUT, PROGRAM or a `/` path;
 * - CALL: a procedure and its argument list; MERGE: INTO.
 *
 * Where a bare end of the text would accept an English phrase ("delete it", "truncate it",
 * "grant access to Bob"), a terminator (`;` or a comment, as an injection closes its statement)
 * is required instead. A field meant to hold SQL (sql-unparsed.ts) needs none of this: there the
 * keyword alone is a statement. Each check reads a bounded number of tokens: linear in the value.
 */
import type { Tok } from './sql-lex.ts';

/** Statement keywords after a `;` (the candidates; each must then have its shape). */
export const STACKED = new Set(['DROP', 'DELETE', 'INSERT', 'UPDATE', 'TRUNCATE', 'ALTER', 'CREATE', 'EXEC', 'EXECUTE', 'SHUTDOWN', 'DECLARE', 'GRANT', 'SELECT', 'WAITFOR', 'SET', 'COPY', 'CALL', 'MERGE']);

const LOOKAHEAD = 32;
const OBJECTS = new Set(['TABLE', 'DATABASE', 'SCHEMA', 'FUNCTION', 'PROCEDURE', 'VIEW', 'USER', 'INDEX', 'TRIGGER', 'ROLE', 'LOGIN', 'SEQUENCE', 'EVENT', 'TYPE', 'DOMAIN', 'EXTENSION', 'TABLESPACE', 'SERVER', 'OWNED', 'POLICY', 'SYNONYM', 'PACKAGE', 'ASSEMBLY']);
const ALTER_OBJECTS = new Set([...OBJECTS, 'SYSTEM', 'SESSION', 'INSTANCE']);
/** Words between DROP/CREATE/ALTER and the object (`CREATE OR REPLACE TEMPORARY VIEW`, `DROP MATERIALIZED VIEW`). */
const OBJECT_PREFIX = new Set(['OR', 'REPLACE', 'TEMPORARY', 'TEMP', 'UNIQUE', 'GLOBAL', 'LOCAL', 'UNLOGGED', 'MATERIALIZED', 'FOREIGN', 'ONLINE', 'OFFLINE', 'IGNORE', 'CLUSTERED', 'NONCLUSTERED', 'FULLTEXT', 'SPATIAL']);
const WRITE_MODIFIERS = new Set(['LOW_PRIORITY', 'QUICK', 'IGNORE', 'DELAYED', 'HIGH_PRIORITY', 'ONLY']);
/** What may follow the table of a DELETE or SELECT … FROM (its end aside). */
const TABLE_CLAUSES = new Set(['WHERE', 'USING', 'RETURNING', 'ORDER', 'GROUP', 'HAVING', 'LIMIT', 'OUTPUT', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'CROSS', 'UNION', 'INTO', 'AS', 'WITH', 'PARTITION']);
const INSERT_BODY = new Set(['VALUES', 'VALUE', 'SELECT', 'SET', 'DEFAULT', 'OUTPUT', 'WITH', 'EXEC', 'EXECUTE']);
const TRUNCATE_TAIL = new Set(['CASCADE', 'RESTRICT', 'RESTART', 'CONTINUE', 'IMMEDIATE', 'PARTITION']);
/** Privileges (and the roles every dialect ships) that open a GRANT. */
const PRIVILEGES = new Set(['ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'EXECUTE', 'EXEC', 'USAGE', 'CREATE', 'ALTER', 'DROP', 'INDEX', 'REFERENCES', 'TRIGGER', 'CONNECT', 'TEMPORARY', 'TEMP', 'FILE', 'PROCESS', 'SUPER', 'RELOAD', 'SHUTDOWN', 'PROXY', 'EVENT', 'LOCK', 'SHOW', 'REPLICATION', 'CONTROL', 'IMPERSONATE', 'TRUNCATE', 'RESOURCE', 'DBA', 'SYSDBA', 'SYSADMIN', 'DB_OWNER']);
/** Second words of a privilege (`ALL PRIVILEGES`, `LOCK TABLES`, `SHOW VIEW`, `CREATE USER`). */
const PRIVILEGE_TAIL = new Set(['PRIVILEGES', 'TABLES', 'VIEW', 'ROUTINE', 'USER', 'ROLE', 'OPTION', 'CLIENT', 'SLAVE', 'TABLESPACE', 'DATABASES', 'ANY', 'SERVER']);
const SET_SCOPES = new Set(['GLOBAL', 'SESSION', 'LOCAL', 'PERSIST', 'PERSIST_ONLY']);
const SHUTDOWN_MODES = new Set(['WITH', 'IMMEDIATE', 'ABORT', 'NORMAL', 'TRANSACTIONAL']);
const COPY_ENDS = new Set(['STDIN', 'STDOUT', 'PROGRAM']);
const SELECT_QUANTIFIERS = new Set(['DISTINCT', 'ALL']);

type Shape = (t: readonly Tok[], i: number) => boolean;

/** A terminator: the next statement's `;` or a comment that cuts off the rest (`'; delete users--`). */
const stops = (k: Tok | undefined): boolean => k !== undefined && (k.t === ';' || k.t === 'c');
/** The end of the statement: a terminator or the end of the text. */
const ends = (k: Tok | undefined): boolean => k === undefined || stops(k);
const is = (k: Tok | undefined, v: string): boolean => k?.v === v;
const isWord = (k: Tok | undefined, set: ReadonlySet<string>): boolean => k?.t === 'w' && set.has(k.v);
/** `@x`, `@@version`: a variable, which prose does not write. */
const variable = (k: Tok | undefined): boolean => k?.t === 'w' && k.v.startsWith('@');
/** A name that only code writes: dotted (`master..xp_cmdshell`, `db.t`) or with `_` or `$`. */
const codeName = (k: Tok | undefined): boolean => k?.t === 'w' && /[._$]/.test(k.v);

/** Index after a name at `j` (`users`, `db.users`, `"users"`, `` `users` ``, `[users]`), or -1. */
function name(t: readonly Tok[], j: number): number {
  const k = t[j];
  if (k?.t === 'w' && !k.v.startsWith('@')) return j + 1;
  if (k?.t === 'q' && t[j + 1]?.t === 'w' && t[j + 2]?.v === k.v) return j + 3;
  if (is(k, '[') && t[j + 1]?.t === 'w' && is(t[j + 2], ']')) return j + 3;
  return -1;
}

/** Index past the words in `set` from `j` (at most a few). */
function skip(t: readonly Tok[], j: number, set: ReadonlySet<string>): number {
  let k = j;
  while (k < j + 6 && isWord(t[k], set)) k++;
  return k;
}

/** True when a token satisfying `want` comes before the statement's end, within the look-ahead. */
function ahead(t: readonly Tok[], j: number, want: (k: number) => boolean): boolean {
  for (let k = j; k < j + LOOKAHEAD && !ends(t[k]); k++) if (want(k)) return true;
  return false;
}

/** Index after the `)` matching the `(` at `j`, within the look-ahead, or -1. */
function closing(t: readonly Tok[], j: number): number {
  let depth = 0;
  for (let k = j; k < j + LOOKAHEAD && t[k] !== undefined; k++) {
    if (is(t[k], '(')) depth++;
    else if (is(t[k], ')') && --depth === 0) return k + 1;
  }
  return -1;
}

/**
 * Index after an argument list at `j` (`()`, `(1)`, `('/etc/passwd', 2)`, `(*)`, `(@q)`, `(f(x))`),
 * or -1: single values separated by commas, where "(she asked)" or "(or two)" has two words in a row.
 */
function args(t: readonly Tok[], j: number): number {
  if (!is(t[j], '(')) return -1;
  let k = j + 1;
  if (is(t[k], ')')) return k + 1;
  while (k < j + LOOKAHEAD) {
    const v = t[k];
    if (v === undefined) return -1;
    if (v.t === 'q') {
      // A quoted literal: past its closing quote.
      k++;
      while (k < j + LOOKAHEAD && t[k] !== undefined && !(t[k]?.t === 'q' && t[k]?.v === v.v)) k++;
      if (t[k]?.t !== 'q' || t[k]?.v !== v.v) return -1;
      k++;
    } else if (v.t === 'w' && is(t[k + 1], '(')) {
      k = closing(t, k + 1);
      if (k < 0) return -1;
    } else if (v.t === 'n' || v.t === 'w' || is(v, '*') || is(v, '?')) k++;
    else if (is(v, '-') && t[k + 1]?.t === 'n') k += 2;
    else return -1;
    if (is(t[k], ')')) return k + 1;
    if (!is(t[k], ',')) return -1;
    k++;
  }
  return -1;
}

/** After a table name at `j`: the statement's end, a clause, or an alias followed by a clause or a terminator. */
function afterTable(t: readonly Tok[], j: number): boolean {
  const k = t[j];
  if (k === undefined || stops(k) || is(k, ',') || is(k, ')') || isWord(k, TABLE_CLAUSES)) return true;
  return k.t === 'w' && (stops(t[j + 1]) || isWord(t[j + 1], TABLE_CLAUSES));
}

const objectAfter =
  (objects: ReadonlySet<string>): Shape =>
  (t, i) =>
    isWord(t[skip(t, i + 1, OBJECT_PREFIX)], objects);

/** EXEC, EXECUTE (see the module comment). */
const exec: Shape = (t, i) => {
  const k = t[i + 1];
  if (variable(k) || k?.t === 'q' || is(k, 'IMMEDIATE') || codeName(k) || args(t, i + 1) >= 0) return true;
  // `EXEC proc 'arg'` / `EXEC proc @a = 1` / `EXEC proc--`: "execute the plan", "execute it" are English.
  const n = t[i + 2];
  return k?.t === 'w' && (stops(n) || n?.t === 'q' || variable(n) || args(t, i + 2) >= 0);
};

const SHAPES: Record<string, Shape> = {
  UPDATE: (t, i) => {
    const j = name(t, skip(t, i + 1, WRITE_MODIFIERS));
    if (j < 0) return false;
    return ahead(t, j, (k) => is(t[k], 'SET') && (is(t[k + 1], '(') || is(t[name(t, k + 1)], '=')));
  },
  DELETE: (t, i) => {
    const j = skip(t, i + 1, WRITE_MODIFIERS);
    if (is(t[j], 'FROM')) {
      const k = name(t, j + 1);
      return k >= 0 && afterTable(t, k);
    }
    // T-SQL's `DELETE t`: "delete it" is English, so a WHERE, a FROM or a terminator must follow.
    const k = name(t, j);
    return k >= 0 && (stops(t[k]) || is(t[k], 'WHERE') || is(t[k], 'FROM'));
  },
  INSERT: (t, i) => {
    let j = skip(t, i + 1, WRITE_MODIFIERS);
    const into = is(t[j], 'INTO');
    if (into) j++;
    const k = name(t, j);
    return k >= 0 && (isWord(t[k], INSERT_BODY) || (into && is(t[k], '(')));
  },
  DROP: objectAfter(OBJECTS),
  CREATE: objectAfter(OBJECTS),
  ALTER: objectAfter(ALTER_OBJECTS),
  TRUNCATE: (t, i) => {
    if (is(t[i + 1], 'TABLE') || is(t[i + 1], 'ONLY')) return name(t, i + 2) >= 0;
    const k = name(t, i + 1);
    return k >= 0 && (stops(t[k]) || isWord(t[k], TRUNCATE_TAIL));
  },
  GRANT: (t, i) => {
    // GRANT SELECT, INSERT (a) ON … / GRANT ALL PRIVILEGES TO …: privilege words, then ON or TO.
    let j = i + 1;
    let privileges = 0;
    while (j < i + LOOKAHEAD && isWord(t[j], PRIVILEGES)) {
      privileges++;
      j++;
      if (isWord(t[j], PRIVILEGE_TAIL)) j++;
      if (is(t[j], '(')) j = closing(t, j); // column list: `GRANT SELECT (a, b) ON`
      if (j < 0) return false;
      if (!is(t[j], ',')) break;
      j++;
    }
    if (privileges > 0 && (is(t[j], 'ON') || is(t[j], 'TO'))) return true;
    // GRANT role TO user: "grant access to Bob" is English, so the grantee is followed by a terminator.
    const role = name(t, i + 1);
    if (role < 0 || !is(t[role], 'TO')) return false;
    const grantee = name(t, role + 1);
    return grantee >= 0 && (stops(t[grantee]) || is(t[grantee], ',') || is(t[grantee], 'WITH'));
  },
  SELECT: (t, i) => {
    const j = skip(t, i + 1, SELECT_QUANTIFIERS);
    const k = t[j];
    if (k === undefined) return false;
    if (is(k, '*') || variable(k)) return true;
    if (k.t === 'n') return ends(t[j + 1]) || is(t[j + 1], ',') || is(t[j + 1], 'FROM') || is(t[j + 1], 'UNION');
    // A call: `version()`, `load_file('/etc/passwd')`, `count(*)`; "select one (or two)" is English.
    if (k.t === 'w' && is(t[j + 1], '(')) return codeName(k) || args(t, j + 1) >= 0;
    // Columns (`a, b AS c`), then FROM and a table: "select files from the list" has no table end.
    let c = j;
    while (c < j + LOOKAHEAD) {
      const n = name(t, c);
      if (n < 0) return false;
      c = is(t[n], 'AS') && name(t, n + 1) >= 0 ? name(t, n + 1) : n;
      if (!is(t[c], ',')) break;
      c++;
    }
    if (!is(t[c], 'FROM')) return false;
    const table = name(t, c + 1);
    return table >= 0 && afterTable(t, table);
  },
  SET: (t, i) => {
    const j = skip(t, i + 1, SET_SCOPES);
    if (variable(t[j]) || is(t[j], 'AUTHORIZATION') || (is(t[j], 'PASSWORD') && is(t[j + 1], 'FOR'))) return true;
    // `SET ROLE admin;` / `SET ROLE admin--`: "set role for Bob" is English.
    if (is(t[j], 'ROLE') && name(t, j + 1) >= 0 && stops(t[name(t, j + 1)])) return true;
    const k = name(t, j);
    if (k < 0) return false;
    if (is(t[k], '=') || (is(t[k], ':') && is(t[k + 1], '='))) return true;
    // PostgreSQL's `SET search_path TO public`; "set it to done" is English: a code name or a literal value.
    return is(t[k], 'TO') && (codeName(t[j]) || t[k + 1]?.t === 'q' || t[k + 1]?.t === 'n' || is(t[k + 1], 'DEFAULT'));
  },
  EXEC: exec,
  EXECUTE: exec,
  DECLARE: (t, i) => {
    if (variable(t[i + 1])) return true;
    const k = name(t, i + 1);
    if (k < 0) return false;
    if (is(t[k], 'CURSOR')) return true;
    const after = t[k + 1];
    return t[k]?.t === 'w' && (is(after, '(') || stops(after) || is(after, '=') || is(after, ':') || is(after, 'DEFAULT'));
  },
  WAITFOR: (t, i) => is(t[i + 1], 'DELAY') || is(t[i + 1], 'TIME'),
  SHUTDOWN: (t, i) => ends(t[i + 1]) || isWord(t[i + 1], SHUTDOWN_MODES),
  COPY: (t, i) => {
    let j = is(t[i + 1], '(') ? i + 1 : name(t, i + 1);
    // A column list, or the query of `COPY (SELECT …) TO`: past its closing parenthesis.
    if (j >= 0 && is(t[j], '(')) j = closing(t, j);
    if (j < 0) return false;
    if (!is(t[j], 'FROM') && !is(t[j], 'TO')) return false;
    const target = t[j + 1];
    return target?.t === 'q' || isWord(target, COPY_ENDS) || (target?.t === 'o' && target.v.startsWith('/'));
  },
  CALL: (t, i) => {
    const k = name(t, i + 1);
    return k >= 0 && args(t, k) >= 0;
  },
  MERGE: (t, i) => is(t[i + 1], 'INTO'),
};

/**
 * True when the `;` at `i` is followed by a stacked statement: in a SQL field (`sqlField`) any
 * statement keyword (MERGE only as `MERGE INTO`), elsewhere a keyword with its statement's shape
 * (see the module comment).
 */
export function stackedAt(t: readonly Tok[], i: number, sqlField: boolean): boolean {
  const k = t[i + 1];
  if (k?.t !== 'w' || !STACKED.has(k.v)) return false;
  if (sqlField && k.v !== 'MERGE') return true;
  return (SHAPES[k.v] as Shape)(t, i + 1);
}
