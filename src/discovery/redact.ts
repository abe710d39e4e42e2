/**
 * Command lines and URLs in client configs often carry credentials (`--token …`, a password in a
 * connection string, `?api_key=`). Discovery reports go to terminals and fleet tooling, so those
 * values are replaced with `<redacted>` before anything is reported. Environment blocks are never
 * reported at all.
 */

const SECRET_FLAG = /^--?(?:token|api[-_]?key|key|secret|password|passwd|pass|pwd|auth|bearer|access[-_]?token|client[-_]?secret|private[-_]?key)$/i;
const SECRET_FLAG_EQ = /^(--?(?:token|api[-_]?key|key|secret|password|passwd|pass|pwd|auth|bearer|access[-_]?token|client[-_]?secret|private[-_]?key))=.+$/i;
const TOKEN = /\b(?:ghp_|gho_|ghs_|github_pat_|sk-|sk_live_|xox[abprs]-|AKIA|ASIA|glpat-|AIza|hf_)[A-Za-z0-9_-]{8,}/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+):[^/@\s]+@/gi;
const SECRET_QUERY = /([?&](?:token|api[-_]?key|key|secret|password|access[-_]?token|auth|sig|signature)=)[^&#\s]+/gi;

/** One value (URL or argument) with embedded credentials replaced. */
export function redactValue(v: string): string {
  return v.replace(URL_PASSWORD, '$1:<redacted>@').replace(SECRET_QUERY, '$1<redacted>').replace(TOKEN, '<redacted>');
}

/** Arguments with secret flag values and embedded credentials replaced. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const a of args) {
    if (hideNext) {
      out.push('<redacted>');
      hideNext = false;
      continue;
    }
    if (SECRET_FLAG.test(a)) {
      out.push(a);
      hideNext = true;
      continue;
    }
    const m = SECRET_FLAG_EQ.exec(a);
    out.push(m ? `${m[1]}=<redacted>` : redactValue(a));
  }
  return out;
}
