/**
 * SSRF detector: URLs and hosts in tool arguments that point at loopback, private, link-local or
 * cloud-metadata addresses, in every notation parsers accept (decimal, hex, octal, short IPv4,
 * IPv4-mapped IPv6, percent-encoded hosts), internal names, DNS-rebinding names that embed a
 * private IP, userinfo/backslash tricks that make two parsers disagree, non-HTTP schemes, hosts that
 * end in a number but are no IPv4 (`o177.0.0.1`), obfuscated hosts (percent-escapes, circled or
 * fullwidth letters) and internal addresses carried in a public URL's path or query (proxies).
 * URLs are read as WHATWG parsers read them (ssrf-urls.ts): tabs and line breaks removed, special
 * schemes with any slashes or none. Fields named for a URL or host (ssrf-fields.ts) are judged
 * whole, scheme or not; in any other argument only URLs and bare cloud-metadata addresses count.
 * A public URL is never flagged for being a URL: ftp to a public host and documentation pages
 * about metadata services pass; a bare single-label name is medium (approval).
 *
 * No DNS resolution happens here: `scan` is synchronous and bounded, so a public name that
 * resolves to a private address is NOT caught by this detector. That needs egress control or
 * connect-time checks in the tool itself (documented limitation).
 */
import ipaddr from 'ipaddr.js';
import { nfkc } from '../../shared/unicode.ts';
import type { Detector, Finding, ScanContext } from '../types.ts';
import { bound, decodedViews, DEFAULT_MAX_SCAN, finding, guarded, lowerAscii } from './common.ts';
import { classifyHostname, classifyIp, parseLooseIPv4, type HostVerdict } from './ssrf-hosts.ts';
import { fieldLeaf } from './field-roles.ts';
import { isTargetField } from './ssrf-fields.ts';
import { authorityStart, CRITICAL_SCHEMES, DANGEROUS_SCHEMES, joinUrlBreaks, metadataMention, startsWithSpecialScheme, urlSpans, wholeValueHost } from './ssrf-urls.ts';

export interface SsrfDetectorOptions {
  /** Max characters of one field inspected (default 16 KiB). */
  readonly maxScan?: number;
  /**
   * Field-name leaves whose whole value is a host (no scheme), e.g. `host`, `hostname`. When given,
   * this exact list replaces the default name pattern (ssrf-fields.ts: `url`, `base_url`, `apiHost`, `proxy`, …).
   */
  readonly hostFields?: readonly string[];
  /** Hostnames (lower-case, exact or `.suffix`) that are allowed even if they look internal. */
  readonly allowHosts?: readonly string[];
}

const D = 'ssrf';
/** Characters of URL text inspected per view (a few dozen real URLs; hostile overlapping spans stop here). */
const URL_BUDGET = 32 * 1024;

/** Creates the SSRF detector. Tables are built once here. */
export function createSsrfDetector(opts: SsrfDetectorOptions = {}): Detector {
  const maxScan = opts.maxScan ?? DEFAULT_MAX_SCAN;
  // Compared with fieldLeaf's form: lower case, no `_` or `-`.
  const hostFields = opts.hostFields && new Set(opts.hostFields.map((f) => f.toLowerCase().replace(/[_-]/g, '')));
  const isHostField = (field: string | undefined): boolean => (hostFields ? hostFields.has(fieldLeaf(field) ?? '') : isTargetField(field));
  const allow = (opts.allowHosts ?? []).map((h) => h.toLowerCase());
  const allowed = (h: string): boolean => allow.some((a) => (a.startsWith('.') ? h.endsWith(a) : h === a));

  const judge = (host: string, out: Finding[], at: number, disputed = false): void => {
    const h = lowerAscii(host).replace(/\.$/, '');
    if (h === '' || allowed(h)) return;
    const v: HostVerdict | undefined = classifyHost(h);
    if (!v) return;
    // An intranet name alone asks for approval; the same name in a URL that parsers split differently
    // (`http://test???test.com`: WHATWG connects to `test`, a `[^/]+` validator checks `test???test.com`) is an attack.
    if (disputed && v.severity === 'medium' && v.rule === 'ssrf.internal-name') {
      out.push(finding(D, v.rule, 'high', `${v.message}, and URL parsers disagree on the host`, at, at + host.length));
    } else out.push(finding(D, v.rule, v.severity, v.message, at, at + host.length));
  };

  const inspectUrl = (url: string, at: number, out: Finding[]): void => {
    const colon = url.indexOf(':');
    const scheme = colon > 0 ? lowerAscii(url.slice(0, colon)) : '';
    if (DANGEROUS_SCHEMES.has(scheme)) {
      out.push(finding(D, 'ssrf.scheme', CRITICAL_SCHEMES.has(scheme) ? 'critical' : 'high', `URL uses the ${scheme}: scheme, which reaches local files or raw sockets`, at, at + url.length));
    }
    const hosts = hostCandidates(url);
    // Parsers disagree when a candidate that only a naive split yields still reads as a domain
    // after its last `?`/`#` (`test???test.com` → test.com); a query or fragment (`jenkins?job=1`,
    // `jenkins#setup`) does not.
    const readAs = (h: string): string | undefined => {
      const tail = lowerAscii(h).replace(/\.$/, '');
      const cut = Math.max(tail.lastIndexOf('?'), tail.lastIndexOf('#'));
      if (cut < 0) return tail;
      const name = tail.slice(cut + 1);
      return /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(name) ? name : undefined;
    };
    const disputed = new Set(hosts.map(readAs).filter((h) => h !== undefined)).size > 1;
    for (const host of hosts) judge(host, out, at, disputed);
    // A public URL whose path or query carries an internal address is a proxy or redirector aimed
    // inward (`/proxy/169.254.169.254/…`, `redir-http-10.0.0.1:80`). A path that merely names a
    // metadata API (documentation pages) is not: without an internal address nothing is reached.
    const inner = embeddedAddress(url);
    if (inner) out.push(finding(D, inner.rule === 'ssrf.metadata' ? 'ssrf.metadata' : 'ssrf.embedded-internal', inner.severity, `URL path or query carries an internal address (${inner.message})`, at, at + url.length));
  };

  return {
    name: D,
    direction: 'input',
    scan(text: string, ctx?: ScanContext): Finding[] {
      const found = guarded(D, () => {
        const out: Finding[] = [];
        const body = bound(D, text, maxScan, out);
        const hostField = isHostField(ctx?.field);
        for (const view of views(body)) {
          // Every `scheme://` (and `scheme:` for file/jar/netdoc and slashless http) occurrence, including URLs nested in query strings.
          // Overlapping spans (`http://http://…`) could cost 256 × 2 KiB URL parses: bound the total.
          let budget = URL_BUDGET;
          for (const [start, end] of urlSpans(view)) {
            budget -= end - start;
            if (budget < 0) {
              out.push(finding(D, 'ssrf.too-many-urls', 'medium', `more than ${URL_BUDGET} characters of URLs in one value; the rest was not inspected`));
              break;
            }
            inspectUrl(view.slice(start, end), start, out);
          }
          // A value that starts with a URL is what a tool hands to fetch whole; spaces do not end it there.
          const whole = wholeValueHost(view);
          if (whole !== undefined) judge(whole, out, 0);
          const trimmed = view.trim();
          if (hostField && trimmed !== '' && !/\s/.test(trimmed) && !trimmed.includes('://') && !startsWithSpecialScheme(trimmed)) {
            // What a client building `http://${value}/` connects to: the authority after its last `@`, without the port.
            const authority = (trimmed.startsWith('//') ? trimmed.slice(2) : trimmed).split('/')[0] ?? '';
            judge(stripPort(authority.slice(authority.lastIndexOf('@') + 1)), out, 0);
          }
          // A metadata address needs no URL or target field around it to be one (`q`, a template, a list).
          const meta = metadataMention(view);
          if (meta && !allowed(lowerAscii(view.slice(meta[0], meta[1])))) {
            out.push(finding(D, 'ssrf.metadata', hostField ? 'critical' : 'high', 'argument contains a cloud metadata address', meta[0], meta[1]));
          }
        }
        return out;
      });
      // A detector that failed may have missed a metadata URL: fail closed at high (blocked), not medium.
      return found.map((f) => (f.rule === `${D}.internal-error` ? { ...f, severity: 'high' } : f));
    },
  };
}

/**
 * Rules a host read across a tab or line break in text must get for the break to count as inside
 * the URL (joinUrlBreaks): an internal address or name. Not a malformed IP or an obfuscated host,
 * which gluing a URL to the next word invents (`example.com` + `10.0.0.1`), and only at high or
 * above: `intranet` + `local` makes a single-label name, which is what glued words look like.
 */
const ACROSS_BREAK_RULES = new Set(['ssrf.loopback', 'ssrf.private', 'ssrf.metadata', 'ssrf.internal-name', 'ssrf.rebinding']);
function internalAcrossBreak(host: string): boolean {
  const v = classifyHost(host);
  return v !== undefined && (v.severity === 'high' || v.severity === 'critical') && ACROSS_BREAK_RULES.has(v.rule);
}

/** The decoded views of a value, each followed by its form with the tabs and line breaks inside URLs removed. */
function views(body: string): string[] {
  const out: string[] = [];
  for (const v of decodedViews(body)) {
    out.push(v);
    const joined = joinUrlBreaks(v, internalAcrossBreak);
    if (joined !== undefined && !out.includes(joined)) out.push(joined);
  }
  return out;
}

function stripPort(h: string): string {
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return close > 0 ? h.slice(0, close + 1) : h;
  }
  const parts = h.split(':');
  return parts.length === 2 ? (parts[0] ?? '') : h;
}

/**
 * Hosts different URL parsers could connect to: the WHATWG host (what Node's fetch uses), plus the
 * hosts a first-`@` or last-`@` parser, one that ignores `\`, or one that ends the authority only at `/`, would pick. If any
 * of them is internal, the URL is flagged (parser-differential attacks, e.g. `http://a\@127.0.0.1`).
 */
export function hostCandidates(url: string): string[] {
  const out = new Set<string>();
  try {
    const u = new URL(url);
    if (u.hostname) out.add(u.hostname);
  } catch {
    // Malformed for WHATWG; the manual split below still applies.
  }
  const from = authorityStart(url);
  const rest = from >= 0 ? url.slice(from) : url.slice(url.indexOf(':') + 1).replace(/^[/\\]+/, '');
  // WHATWG ends the authority at `/?#` (and `\\` for special schemes); naive validators at `/` only.
  for (const stop of ['/?#', '/?#\\', '/']) {
    let end = 0;
    while (end < rest.length && !stop.includes(rest[end] as string)) end++;
    const authority = rest.slice(0, end);
    for (const at of [authority.lastIndexOf('@'), authority.indexOf('@')]) {
      const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
      const host = stripPort(hostPort.replace(/^[\\/@]+/, '').split(/[\\@]/)[0] ?? '');
      if (host) out.add(host);
      // Lenient parsers stop at the first character that cannot be in a host (`127.0.0.1!/`).
      // Non-ASCII letters are host characters to them (IDNs), not a stop.
      const lenient = /^(?:[A-Za-z0-9._~%-]|[^\x00-\x7f])+/.exec(host)?.[0];
      if (lenient && lenient !== host) out.add(lenient);
    }
  }
  return [...out];
}

/**
 * Dotted-quad addresses inside the path, query or fragment of a URL (a proxy or redirector that
 * forwards inward). Only four decimal parts count here: a bare number in a path is an id, not an IP.
 */
export function embeddedAddress(url: string): HostVerdict | undefined {
  let i = authorityStart(url);
  if (i < 0) return undefined;
  while (i < url.length && !'/?#\\'.includes(url[i] as string)) i++;
  let best: HostVerdict | undefined;
  let tok = '';
  for (; i <= url.length; i++) {
    const c = url[i];
    if (c !== undefined && /[0-9.]/.test(c)) {
      tok += c;
      continue;
    }
    const quad = tok.replace(/^\.+|\.+$/g, '');
    // A letter glued to the digits (`v1.2.3.4`, `10.0.0.1a`) makes a version or a name, not an address.
    const glued = (c !== undefined && /[A-Za-z]/.test(c)) || /[A-Za-z]/.test(url[i - tok.length - 1] ?? '');
    if (!glued && /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(quad)) {
      const ip = parseLooseIPv4(quad);
      const v = ip ? classifyIp(ip) : undefined;
      if (v && (!best || v.severity === 'critical')) best = v;
    }
    tok = '';
  }
  return best;
}

/**
 * WHATWG's "ends in a number" test: the last label is all digits or `0x` hex. Such a host must parse
 * as IPv4 or the URL is invalid; no DNS name ends in a numeric label. When our inet_aton parse fails
 * on it (`o177.0.0.1`, `1.2.3.4.5`, `256.1`), parsers disagree on what it means: that is the attack.
 */
export function endsInNumber(host: string): boolean {
  const labels = host.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  const last = labels[labels.length - 1] ?? '';
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last);
}

/** Classifies one host string (IP literal in any notation, or a name). */
export function classifyHost(h: string): HostVerdict | undefined {
  let host = h;
  try {
    host = decodeURIComponent(h);
  } catch {
    // keep as is
  }
  const decoded = host;
  host = nfkc(host).toLowerCase();
  const v = classifyCanonical(host);
  if (v) return v;
  // Written in a form no one types for a real host: percent-escapes, or fullwidth/circled letters
  // that fold to plain ASCII (`ⓔⓧⓐⓜⓟⓛⓔ.ⓒⓞⓜ`). Genuine IDNs stay non-ASCII after NFKC and are not this.
  const escaped = h.includes('%') && decoded !== h && !/^\[?[0-9a-f:.]+%/i.test(h);
  const folded = /[^\x00-\x7f]/.test(decoded) && !/[^\x00-\x7f]/.test(host);
  if (escaped || folded) return { rule: 'ssrf.obfuscated-host', severity: 'high', message: 'hostname written with percent-escapes or compatibility characters (filter evasion)' };
  return undefined;
}

function classifyCanonical(h: string): HostVerdict | undefined {
  let host = h;
  if (host.startsWith('[')) host = host.slice(1, host.endsWith(']') ? -1 : undefined);
  if (host.includes(':')) {
    const zone = host.indexOf('%');
    const bare = zone >= 0 ? host.slice(0, zone) : host;
    if (ipaddr.IPv6.isValid(bare)) return classifyIp(ipaddr.IPv6.parse(bare));
    if (/^[0-9a-f:.]+$/.test(bare)) {
      return { rule: 'ssrf.malformed-ip', severity: 'high', message: 'malformed IPv6 literal host; parsers disagree on where it points' };
    }
  }
  const v4 = parseLooseIPv4(host);
  if (v4) return classifyIp(v4);
  if (endsInNumber(host)) return { rule: 'ssrf.malformed-ip', severity: 'high', message: 'host ends in a number but is not a valid IPv4 address; parsers disagree on where it points' };
  return classifyHostname(host);
}
