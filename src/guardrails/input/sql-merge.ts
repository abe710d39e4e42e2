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
 * a string (`SET note = 'then delete'`) does not fake one. One pass over the tokens (see
 * {@link deletes}). A value with a quote break is also read as spliced into a literal
 * ({@link splicedMergeSignals}). In free text for people the finding is medium.
 */
import type { LexSignal } from './sql-lex.ts';
import { tokens, type Tok } from './sql-unparsed.ts';
import { readings } from './sql-comments.ts';

/** Most text never says "merge": it is not tokenised. */
const MAY_MERGE = /merge/i;

/**
 * True when a MERGE has a `WHEN [NOT] MATCHED … THEN DELETE` clause after its USING. One pass: a
 * statement runs from its start or a `;` to the next `;`; a MERGE inside it (a first MERGE, or a
 * name such as `USING s merge`, or `SELECT 1 AS merge`) starts the clause chain if none is under
 * way and does not reset one that is, so an alias called `merge` does not end the statement.
 */
function deletes(t: readonly Tok[]): boolean {
  let merge = false;
  let using = false;
  let when = false;
  for (let j = 0; j < t.length; j++) {
    const v = (t[j] as Tok).v;
    if (v === ';') merge = using = when = false;
    else if (v === 'MERGE') merge = true;
    else if (merge && v === 'USING') using = true;
    else if (using && v === 'WHEN' && (t[j + 1]?.v === 'MATCHED' || (t[j + 1]?.v === 'NOT' && t[j + 2]?.v === 'MATCHED'))) when = true;
    else if (when && v === 'THEN' && t[j + 1]?.v === 'DELETE') return true;
  }
  return false;
}

const MERGE_DELETE = (severity: 'high' | 'medium'): LexSignal => ({
  rule: 'sql.unbounded-write',
  severity,
  message: 'MERGE … THEN DELETE deletes the rows a join matches, with no WHERE to bound them (statement not parsed)',
  strong: true,
});

/**
 * `sql.unbounded-write` for a MERGE that deletes, in a reading's skeleton (see the module comment).
 * `prose`: the field is free text for people, where a question about MERGE quotes one; there the
 * finding is medium.
 */
export function mergeSignals(skeleton: string, prose = false): LexSignal[] {
  if (!MAY_MERGE.test(skeleton)) return [];
  return deletes(tokens(skeleton)) ? [MERGE_DELETE(prose ? 'medium' : 'high')] : [];
}

/**
 * The same, for a value spliced into a quoted literal (`x'; MERGE … THEN DELETE; --`): its
 * unmatched quote empties the rest of its own skeleton, but the database reads it as closing the
 * literal it was spliced into. So the value is read as the database does, after an opening `'`
 * or `"`: a MERGE that a literal in the value covers stays covered (`SET note = 'then delete'`).
 */
export function splicedMergeSignals(value: string, prose = false): LexSignal[] {
  if (!MAY_MERGE.test(value) || !/['"]/.test(value)) return [];
  for (const q of ["'", '"']) {
    if (!value.includes(q)) continue;
    for (const r of readings(q + value)) {
      const sigs = mergeSignals(r.skeleton, prose);
      if (sigs.length > 0) return sigs;
    }
  }
  return [];
}
