/**
 * Name and URI globs, compiled once to anchored regular expressions.
 *
 * `*` matches any run of characters (including none), `?` exactly one; everything else is
 * literal. A list of globs compiles to ONE regex (an alternation), so matching a name against
 * a role's whole grant list is a single `test`. Matching is case-sensitive: tool names on the
 * wire are case-sensitive, and folding case would let `Delete_repo` slip past a deny on `delete_*`
 * only if the upstream were also case-insensitive — so we never guess.
 */

import { globSource } from '../shared/glob.ts';

/** A compiled list of globs. `test` is true when any glob matches the whole string. */
export interface GlobSet {
  readonly globs: readonly string[];
  test(s: string): boolean;
  /** The first glob that matches, for explanations (slower: only used by `explain`). */
  which(s: string): string | undefined;
}

const NEVER: GlobSet = Object.freeze({ globs: [], test: () => false, which: () => undefined });

/** Compiles globs once. An empty list matches nothing. */
export function compileGlobs(globs: readonly string[] | undefined): GlobSet {
  if (!globs || globs.length === 0) return NEVER;
  if (globs.includes('*')) {
    return Object.freeze({ globs: [...globs], test: () => true, which: () => '*' });
  }
  // `s` (dotAll) so `*` also spans newlines: a name with a newline must not escape a deny glob.
  const re = new RegExp(`^(?:${globs.map(globSource).join('|')})$`, 's');
  const singles = globs.map((g) => ({ g, re: new RegExp(`^${globSource(g)}$`, 's') }));
  return Object.freeze({
    globs: [...globs],
    test: (s: string) => re.test(s),
    which: (s: string) => singles.find((x) => x.re.test(s))?.g,
  });
}
