/**
 * The one glob dialect of the config (tool names, server keys, URIs, destinations), compiled once
 * to one anchored regex per list. `*` matches any run (including none), `?` one character; the
 * rest is literal. Used by policy, flow, guardrails and approvals alike.
 */

const SPECIAL = /[.+^${}()|[\]\\/-]/g;

/** One glob as a regex source fragment (not anchored). */
export function globSource(glob: string): string {
  let out = '';
  for (const ch of glob) out += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(SPECIAL, '\\$&');
  return out;
}

/** A compiled glob list: `test` is true when any glob matches the whole string. */
export type GlobTest = (s: string) => boolean;

const ALWAYS: GlobTest = () => true;

/**
 * Compiles a list of globs. `undefined` (no constraint) matches everything; an empty list nothing.
 * `dotAll` so a newline in a name cannot escape a glob.
 */
export function compileGlobs(globs: readonly string[] | string | undefined, opts: { caseInsensitive?: boolean } = {}): GlobTest {
  if (globs === undefined) return ALWAYS;
  const list = typeof globs === 'string' ? [globs] : globs;
  if (list.includes('*')) return ALWAYS;
  if (list.length === 0) return () => false;
  const re = new RegExp(`^(?:${list.map(globSource).join('|')})$`, opts.caseInsensitive ? 'is' : 's');
  return (s) => re.test(s);
}
