/**
 * Finding URLs in argument text the way URL parsers read them, for the SSRF detector. A reader that
 * is stricter than the parser the tool calls is a bypass: WHATWG (Node's URL and fetch, browsers,
 * most HTTP clients) deletes tabs and line breaks anywhere in a URL, accepts special schemes in any
 * case with any number of `/` or `\` (none included) and takes spaces in the userinfo.
 */
import { lowerAscii } from './common.ts';
import { isMetadataLiteral } from './ssrf-hosts.ts';

/**
 * Schemes that reach local files or speak raw protocols from a URL-fetching tool (what libcurl and
 * language stream wrappers accept, which is what SSRF abuses). http, https and ftp are not here: they
 * have everyday public uses, so only their host is judged. Severity: local files and byte-level
 * smuggling into any TCP service (gopher, dict) are critical, the rest high.
 */
export const DANGEROUS_SCHEMES = new Set(['file', 'gopher', 'dict', 'ldap', 'ldaps', 'jar', 'netdoc', 'tftp', 'sftp', 'phar', 'expect', 'ssh', 'telnet', 'smb', 'php', 'glob', 'data']);
export const CRITICAL_SCHEMES = new Set(['file', 'gopher', 'dict']);
/**
 * WHATWG special schemes with a network host, whose authority starts after any run of `/` and `\`,
 * even an empty one: `http:10.0.0.1`, `HTTP:/10.0.0.1`, `http:\\10.0.0.1` all reach 10.0.0.1.
 * (`file` is special too, but its slashes decide between host and path; it is a dangerous scheme anyway.)
 */
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);

/** Start/end offsets of URL-looking tokens: a scheme immediately before `:` and the run of non-space after. */
export function urlSpans(s: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let from = 0;
  for (let guard = 0; guard < 256; guard++) {
    const i = s.indexOf(':', from);
    if (i < 0) break;
    let j = i;
    while (j > 0 && /[A-Za-z0-9+.-]/.test(s[j - 1] as string)) j--;
    while (j < i && !/[A-Za-z]/.test(s[j] as string)) j++;
    const scheme = lowerAscii(s.slice(j, i));
    const slashes = s.startsWith('//', i + 1) || s.startsWith('\\\\', i + 1) || s.startsWith('/\\', i + 1);
    // `file:` followed by a space or the end is prose ("the path to the file: …"), not a URL.
    const opaque = DANGEROUS_SCHEMES.has(scheme) && i + 1 < s.length && !/[\s"'<>`]/.test(s[i + 1] as string);
    // A slashless special URL needs a host-looking start. A short number after it is a status or a
    // port (`HTTP:200`, `https:443`): as hosts they would be 0.0.0.x, which nothing can connect to.
    const special = SPECIAL_SCHEMES.has(scheme) && /[A-Za-z0-9[%/\\]/.test(s[i + 1] ?? '') && !/^[1-9]\d{0,4}(?![\w.])/.test(s.slice(i + 1, i + 8));
    if (scheme.length >= 2 && (slashes || opaque || special)) {
      let k = i + 1;
      // A URL longer than 2 KiB is cut: browsers and proxies reject longer ones, and it bounds the work per span.
      while (k < s.length && k - j < 2048 && !/[\s"'<>`]/.test(s[k] as string)) k++;
      spans.push([j, k]);
    }
    from = i + 1;
  }
  return spans;
}

/** Where a URL's authority starts: after `scheme:` and its slashes for special schemes, after `://` otherwise; -1 when it has none. */
export function authorityStart(url: string): number {
  const colon = url.indexOf(':');
  if (colon > 0 && SPECIAL_SCHEMES.has(lowerAscii(url.slice(0, colon)))) {
    let i = colon + 1;
    while (url[i] === '/' || url[i] === '\\') i++;
    return i;
  }
  const sep = url.indexOf('://');
  return sep < 0 ? -1 : sep + 3;
}

/** True when a value starts with a special scheme (`http:`, `HTTPS:`): its host is read by urlSpans, not as a bare host. */
export function startsWithSpecialScheme(v: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(v);
  return m !== null && SPECIAL_SCHEMES.has(lowerAscii(m[1] as string));
}

/**
 * The view of `s` with the tab/CR/LF runs that sit inside a URL removed, or undefined when there is
 * none. WHATWG deletes them before parsing, so `http://example.com\t@169.254.169.254/` reaches
 * 169.254.169.254 while a reader that ends the URL at whitespace sees example.com.
 * - A value that is one token apart from them and holds a URL (a URL argument) is read as WHATWG
 *   reads it: every run removed.
 * - In text, a line break after a URL usually ends it, and gluing the next line on would invent hosts
 *   (`https://example.com` + `10.0.0.0/8 is private` → `example.com10.0.0.0`). There a run is removed only
 *   inside a token with a scheme colon, before text that continues an authority as no sentence does:
 *   it starts with ASCII punctuation (`@`, `.`, `:`, `\`) or has an `@` before its first `/?#\`;
 *   or, when the run sits inside the authority, the host read across it is one `internal` accepts
 *   (`http://local\thost/`, `http://169.254.169.\t254/`). The caller's test must not accept what gluing
 *   two words invents (`example.com` + `10.0.0.1` → a malformed `example.com10.0.0.1`).
 */
export function joinUrlBreaks(s: string, internal?: (host: string) => boolean): string | undefined {
  if (!/[\t\n\r]/.test(s)) return undefined;
  if (!/[^\S\t\n\r]/.test(s.trim())) {
    const joined = s.replace(/[\t\n\r]+/g, '');
    if (urlSpans(joined).length > 0) return joined;
  }
  const next = /\S*/y;
  // The output's pieces, joined once; the current token (after the joins so far) is kept apart,
  // its first MAX_AUTHORITY + 1 characters only, so no step reads the growing output (linear).
  const out: string[] = [];
  let joined = false;
  let schemeInToken = false;
  let token = '';
  let tokenLength = 0;
  const extend = (t: string): void => {
    if (token.length <= MAX_AUTHORITY) token += t.slice(0, MAX_AUTHORITY + 1 - token.length);
    tokenLength += t.length;
  };
  let last = 0;
  for (const m of s.matchAll(/[\t\n\r]+/g)) {
    const at = m.index ?? 0;
    const piece = s.slice(last, at);
    // Only the part after the piece's last space belongs to the current token.
    let space = piece.length - 1;
    while (space >= 0 && !/\s/.test(piece[space] as string)) space--;
    const tail = space >= 0 ? piece.slice(space + 1) : piece;
    // A colon after a scheme character (linear, unlike a full scheme regex on a long token).
    schemeInToken = (space < 0 && schemeInToken) || /[A-Za-z0-9+.-]:/.test(tail);
    if (space >= 0) {
      token = '';
      tokenLength = 0;
    }
    extend(tail);
    out.push(piece);
    last = at + m[0].length;
    next.lastIndex = last;
    const cont = next.exec(s)?.[0] ?? '';
    const inside = tail !== '' && cont !== '';
    const authority = /^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(cont) || /^[^/?#\\]*@/.test(cont);
    if (inside && schemeInToken && (authority || (internal !== undefined && tokenLength <= MAX_AUTHORITY && joinsInternal(token, s, last, internal)))) {
      joined = true;
      continue;
    }
    out.push(m[0]);
    schemeInToken = false;
    token = '';
    tokenLength = 0;
  }
  out.push(s.slice(last));
  return joined ? out.join('') : undefined;
}

/** Longest URL prefix read for a host across a break: a host has at most 253 characters, userinfo rarely more. */
const MAX_AUTHORITY = 512;

/**
 * True when `token` (a URL up to a tab or line break, its scheme included; the caller keeps it to
 * {@link MAX_AUTHORITY} characters) ends inside its authority and the host WHATWG reads once the
 * break is removed (`s` from `from` up to a space or the end of the authority, its other breaks
 * removed too) is one `internal` accepts. Reads at most 256 characters after the break.
 */
function joinsInternal(token: string, s: string, from: number, internal: (host: string) => boolean): boolean {
  const spans = urlSpans(token);
  const url = token.slice(spans[spans.length - 1]?.[0] ?? token.length);
  const start = authorityStart(url);
  // No URL, or the break is past the authority (`http://example.com/a\tb`): no host to read across it.
  if (start < 0 || /[/?#\\]/.test(url.slice(start))) return false;
  let rest = '';
  for (let i = from; i < s.length && i - from < 256; i++) {
    const c = s[i] as string;
    if (c === '\t' || c === '\n' || c === '\r') continue;
    if (/[\s/?#\\]/.test(c)) break;
    rest += c;
  }
  try {
    const host = new URL(url + rest).hostname;
    return host !== '' && internal(host);
  } catch {
    return false;
  }
}

/**
 * The host WHATWG (fetch, `new URL`) connects to when the whole value is handed to it. It trims the
 * ends, drops tabs and line breaks, and keeps spaces in the userinfo, so `http://example.com @127.0.0.1/`
 * reaches 127.0.0.1 although a reader that ends URLs at spaces sees example.com.
 */
export function wholeValueHost(v: string): string | undefined {
  if (!/^[\x00-\x20]*[A-Za-z][A-Za-z0-9+.-]*:/.test(v)) return undefined;
  try {
    return new URL(v).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Offsets of the first cloud metadata address written bare anywhere in `s` (`169.254.169.254`,
 * `0xa9fea9fe`, `fd00:ec2::254`, `metadata.google.internal`). Nothing else is spelled like one, and a
 * tool that builds a URL from a query or a template reaches it with no scheme in sight.
 */
export function metadataMention(s: string): [number, number] | undefined {
  // Every metadata address has a digit or is a name with one of these words: most text has neither.
  if (!/[0-9]|metadata|instance-data/i.test(s)) return undefined;
  // Dotted names and IPv4 in any notation; then IPv6 (hex groups with colons).
  for (const re of [/[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?/g, /[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f.]{0,15}){2,8}/g]) {
    for (const m of s.matchAll(re)) {
      const at = m.index ?? 0;
      // The shortest spelling of any metadata address has 9 characters (`192.0.192` = 192.0.0.192).
      if (m[0].length < 9 || !/[0-9]|metadata|instance-data/i.test(m[0])) continue;
      // Only whole tokens: `v169.254.169.254` (a version) or `a169.254.169.254.example` is not the address.
      if (/[A-Za-z0-9.-]/.test(s[at - 1] ?? '') || /[A-Za-z0-9-]/.test(s[at + m[0].length] ?? '')) continue;
      if (isMetadataLiteral(m[0])) return [at, at + m[0].length];
    }
  }
  return undefined;
}
