/**
 * A SQL text with its comments taken out, as the database would execute it. The statement checks
 * (sql.ts) look for the leading keyword and parse what this gives, not the raw text: a leading
 * `/* x *\/` or `-- x` hid the keyword, and the parser reads MySQL's `/*! … *\/` (whose content
 * MySQL executes: `/*!50000DROP*\/ TABLE t`) as a plain comment.
 *
 * Where a comment or a literal ends depends on the dialect, and an attacker can write text that
 * reads one way to us and another way to the database, so there are two readings:
 * - MySQL: `#` and `-- ` (a blank after the dashes) start a line comment, `--x` is two minuses;
 *   `/*! … *\/` and `/*M! … *\/` keep their content; `'…'` and `"…"` have backslash escapes;
 * - PostgreSQL: `--` always starts a comment, `/* *\/` nests, `#` is XOR, `'…'` has no backslash
 *   escapes (`E'…'` has), `$tag$…$tag$` is a literal.
 * Each is written so the MySQL grammar (the one parser we run) reads the same tokens: the
 * PostgreSQL reading doubles backslashes in literals, turns `#` into `^` and a dollar-quoted
 * literal into a quoted one; the MySQL reading writes `--x` as `- -x`. The checks judge every
 * reading, so text is flagged if either dialect would run something dangerous.
 *
 * One pass per reading, linear in the text (closing quotes and comment ends are searched forward
 * from where the last one stopped).
 */

export interface Reading {
  /** The text without its comments (each replaced by a blank), for the keyword test and the parser. */
  readonly text: string;
  /** `text` with every literal emptied (`''`), for keyword scans that must not read inside strings. */
  readonly skeleton: string;
}

type Dialect = 'mysql' | 'postgres';

/** Characters a literal, a comment or the end of a MySQL executable comment can start on. */
const SPECIAL = new Set(["'", '"', '`', '$', '#', '-', '/', '*']);
const isBlankOrControl = (c: string | undefined): boolean => c === undefined || c.charCodeAt(0) <= 32;
const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);

/** The MySQL reading, then the PostgreSQL one when it differs. */
export function readings(s: string): Reading[] {
  const my = read(s, 'mysql');
  const pg = read(s, 'postgres');
  return my.text === pg.text ? [my] : [my, pg];
}

/** The MySQL reading's text: `s` with its comments blank (fragment scans use it). */
export const withoutComments = (s: string): string => read(s, 'mysql').text;

function read(s: string, dialect: Dialect): Reading {
  const mysql = dialect === 'mysql';
  let text = '';
  let skeleton = '';
  const emit = (t: string, k = t): void => {
    text += t;
    skeleton += k;
  };
  // Inside a MySQL executable comment (`/*!…`): its `*/` closes it and is dropped.
  let versioned = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    const d = s[i + 1];
    if (c === "'" || c === '"' || c === '`') {
      // PostgreSQL: backslash escapes only in E'…'; MySQL: in both string quotes. Never in backticks.
      const escapes = c !== '`' && (mysql || (c === "'" && (s[i - 1] === 'E' || s[i - 1] === 'e') && !isWordChar(s[i - 2])));
      let j = i + 1;
      while (j < s.length) {
        if (escapes && s[j] === '\\') j += 2;
        else if (s[j] === c && s[j + 1] === c) j += 2;
        else if (s[j] === c) break;
        else j++;
      }
      const literal = s.slice(i, j + 1);
      // The MySQL grammar reads a backslash in a string as an escape: double it where the dialect does not.
      emit(!escapes && c !== '`' ? literal.replaceAll('\\', '\\\\') : literal, c + c);
      i = j + 1;
    } else if (!mysql && c === '$' && !isWordChar(s[i - 1])) {
      // `$$…$$` or `$tag$…$tag$`; a `$` that opens no tag is an ordinary character (`$1`).
      let j = i + 1;
      while (j < s.length && (/[A-Za-z_]/.test(s[j] as string) || (j > i + 1 && /[0-9]/.test(s[j] as string)))) j++;
      if (s[j] !== '$') {
        emit(c);
        i++;
        continue;
      }
      const tag = s.slice(i, j + 1);
      const end = s.indexOf(tag, j + 1);
      const body = s.slice(j + 1, end < 0 ? s.length : end);
      emit(`'${body.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`, "''");
      i = end < 0 ? s.length : end + tag.length;
    } else if (c === '#') {
      if (mysql) {
        i = lineEnd(s, i);
        emit(' ');
      } else {
        emit('^');
        i++;
      }
    } else if (c === '-' && d === '-') {
      if (mysql && !isBlankOrControl(s[i + 2])) {
        emit('- ');
        i++;
      } else {
        i = lineEnd(s, i);
        emit(' ');
      }
    } else if (c === '/' && d === '*') {
      const bang = s[i + 2] === '!' ? 3 : s[i + 2] === 'M' && s[i + 3] === '!' ? 4 : 0;
      if (mysql && bang > 0 && !versioned) {
        // The version number (`50000`, `80013`) is not part of the content.
        let j = i + bang;
        while (j < s.length && j < i + bang + 6 && /[0-9]/.test(s[j] as string)) j++;
        versioned = true;
        emit(' ');
        i = j;
      } else {
        i = mysql ? blockEnd(s, i) : nestedBlockEnd(s, i);
        emit(' ');
      }
    } else if (versioned && c === '*' && d === '/') {
      versioned = false;
      emit(' ');
      i += 2;
    } else {
      // A run of characters none of the branches above starts on is copied whole.
      let j = i + 1;
      while (j < s.length && !SPECIAL.has(s[j] as string)) j++;
      emit(s.slice(i, j));
      i = j;
    }
  }
  return { text, skeleton };
}

/** Index of the newline ending the line comment at `i` (or the end). */
function lineEnd(s: string, i: number): number {
  const n = s.indexOf('\n', i);
  return n < 0 ? s.length : n;
}

/** Index after the `*\/` closing the comment at `i` (or the end: an unclosed comment runs to it). */
function blockEnd(s: string, i: number): number {
  const n = s.indexOf('*/', i + 2);
  return n < 0 ? s.length : n + 2;
}

/** As {@link blockEnd}, with PostgreSQL's nesting (`/* /* *\/ still a comment *\/`). */
function nestedBlockEnd(s: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    if (s[j] === '/' && s[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (s[j] === '*' && s[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return s.length;
}
