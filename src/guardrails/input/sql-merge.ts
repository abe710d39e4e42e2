/**
 * A MERGE that deletes: `MERGE INTO t USING s ON … WHEN MATCHED THEN DELETE`. The grammar we run
 * (MySQL) has no MERGE, so such a statement never parsed and no rule read it, in any field. Its
 * rows are picked by a join condition, not a WHERE: `ON 1 = 1`, or T-SQL's `WHEN NOT MATCHED BY
 * SOURCE THEN DELETE`, empties the table, and nothing can check which rows a join reaches without
 * the data. So it is reported as a DELETE without WHERE is (`sql.unbounded-write`, high), in every
 * field: the keyword chain MERGE … USING … WHEN [NOT] MATCHED … THEN DELETE is SQL and nothing else
 * ("merge the branches using rebase, then delete the old one" has no WHEN MATCHED). A MERGE that
 * only updates or inserts is bounded by its match, as `ON CONFLICT … DO UPDATE` is, and passes.
 *
 * Read over a reading's skeleton (sql-comments.ts): a comment does not split `THEN/**\/DELETE` and
 * a string (`SET note = 'then delete'`) does not fake one. One pass: each MERGE reads its clauses up
 * to its `;` or the next MERGE, so no token is read twice.
 */
import type { LexSignal } from './sql-lex.ts';
import { tokens, type Tok } from './sql-unparsed.ts';

/** Most text never says "merge": it is not tokenised. */
const MAY_MERGE = /merge/i;

/** True when the MERGE at `i` has a `WHEN [NOT] MATCHED … THEN DELETE` clause after its USING. */
function deletes(t: readonly Tok[], i: number): boolean {
  let using = false;
  let when = false;
  for (let j = i + 1; j < t.length; j++) {
    const v = (t[j] as Tok).v;
    if (v === ';' || v === 'MERGE') return false;
    if (v === 'USING') using = true;
    else if (using && v === 'WHEN' && (t[j + 1]?.v === 'MATCHED' || (t[j + 1]?.v === 'NOT' && t[j + 2]?.v === 'MATCHED'))) when = true;
    else if (when && v === 'THEN' && t[j + 1]?.v === 'DELETE') return true;
  }
  return false;
}

/** `sql.unbounded-write` for a MERGE that deletes, in a reading's skeleton (see the module comment). */
export function mergeSignals(skeleton: string): LexSignal[] {
  if (!MAY_MERGE.test(skeleton)) return [];
  const t = tokens(skeleton);
  for (let i = 0; i < t.length; i++) {
    if (t[i]?.v === 'MERGE' && deletes(t, i)) {
      return [{ rule: 'sql.unbounded-write', severity: 'high', message: 'MERGE … THEN DELETE deletes the rows a join matches, with no WHERE to bound them (statement not parsed)', strong: true }];
    }
  }
  return [];
}
