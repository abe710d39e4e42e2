/**
 * SQL signals for identifier fields (user names, logins, ids, e-mail addresses; see
 * field-roles.ts). Such a value is letters, digits and a few of `. _ @ + -`; it never needs SQL
 * quoting or comments, so the first probes of a SQL injection test are visible on their own:
 * - a quote at either end (`admin'`, `1"`, `'`): the value closes the literal it is spliced into;
 * - a quote with a second quote or with any other punctuation (`' or ''='`, `'/*`, `')) or (('x`):
 *   a break-out followed by SQL syntax. `o'brien` (a quote between letters) is not a finding;
 * - a comment marker (`admin--`, `1/*`, `-- `, `#`) that would cut off the rest of the query.
 * A field named `mail` or `handle` is not an identifier here (it often holds a message or text).
 */
import type { LexSignal } from './sql-lex.ts';

const QUOTES = `'"\`\u2018\u2019\u201c\u201d`;
/** Characters a user name, login, id or e-mail address is made of (blanks allowed: display-style logins). */
const IDENT_CHAR = /[\p{L}\p{N}\p{M}._@+\-\s]/u;
/**
 * `--` or `#` starting the value or after a blank, quote or bracket; `--` before a blank or the
 * end; any `/*`. Not `#` before a digit: `#123` is how issues and orders are numbered.
 */
const COMMENT = /(?:^|[\s'"`)])(?:--|#(?!\d))|--(?:\s|$)|\/\*/;

/** Signals from an identifier-field value (each strong: the field's syntax leaves no innocent reading). */
export function identifierSignals(view: string): LexSignal[] {
  const out: LexSignal[] = [];
  const v = view.trim();
  let quotes = 0;
  let foreign = false;
  for (const ch of v) {
    if (QUOTES.includes(ch)) quotes++;
    else if (!IDENT_CHAR.test(ch)) foreign = true;
  }
  const edge = v.length > 0 && (QUOTES.includes(v[0] as string) || QUOTES.includes(v[v.length - 1] as string));
  if (quotes > 0 && (edge || quotes > 1 || foreign)) {
    out.push({ rule: 'sql.quote-breakout', severity: 'high', message: 'identifier argument closes a SQL string literal', strong: true });
  }
  if (COMMENT.test(v)) out.push({ rule: 'sql.comment-truncation', severity: 'high', message: 'identifier argument holds a SQL comment marker', strong: true });
  return out;
}
