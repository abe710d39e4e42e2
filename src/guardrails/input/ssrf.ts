/**
 * SSRF detector: URLs and hosts in tool arguments that point at loopback, private, link-local or
 * cloud-metadata addresses, in every notation parsers accept (decimal, hex, octal, short IPv4,
 * IPv4-mapped IPv6, percent-encoded hosts), internal names, DNS-rebinding names that embed a
 * private IP, userinfo/backslash tricks that make two parsers disagree, and non-HTTP schemes.
 *
 * No DNS resolution happens here: `scan` is synchronous and bounded, so a public name that
 * resolves to a private address is NOT caught by this detector. That needs egress control or
 * connect-time checks in the tool itself (documented limitation).
 */
import ipaddr from 'ipaddr.js';
import type { Detector, Finding, ScanContext } from '../types.ts';
import { bound, decodedViews, DEFAULT_MAX_SCAN, finding, guarded, lowerAscii } from './common.ts';
import { classifyHostname, classifyIp, parseLooseIPv4, type HostVerdict } from './ssrf-hosts.ts';

export interface SsrfDetectorOptions {
  /** Max characters of one field inspected (default 16 KiB). */
  readonly maxScan?: number;
  /** Field-name leaves whose whole value is a host (no scheme), e.g. `host`, `hostname`. */
  readonly hostFields?: readonly string[];
  /** Hostnames (lower-case, exact or `.suffix`) that are allowed even if they look internal. */
  readonly allowHosts?: readonly string[];
}

/** Schemes that reach raw sockets or local files from an HTTP-fetching tool. */
const DANGEROUS_SCHEMES = new Set(['file', 'gopher', 'dict', 'ftp', 'ldap', 'ldaps', 'jar', 'netdoc', 'tftp', 'sftp', 'phar', 'expect', 'ssh', 'telnet', 'smb', 'php', 'glob', 'data']);
/** Metadata addresses or paths seen inside a URL's path or query (open proxies and redirectors). */
const METADATA_PATHS = ['169.254.169.254', '/latest/meta-data', '/computemetadata/', '/metadata/instance', '/openstack/latest', '/metadata/v1'];
const DEFAULT_HOST_FIELDS = ['host', 'hostname', 'ip', 'address', 'addr', 'server', 'domain', 'target', 'endpoint', 'url', 'uri', 'link', 'href', 'webhook', 'callback'];

const D = 'ssrf';
/** Characters of URL text inspected per view (a few dozen real URLs; hostile overlapping spans stop here). */
const URL_BUDGET = 32 * 1024;

/** Creates the SSRF detector. Tables are built once here. */
export function createSsrfDetector(opts: SsrfDetectorOptions = {}): Detector {
  const maxScan = opts.maxScan ?? DEFAULT_MAX_SCAN;
  const hostFields = new Set((opts.hostFields ?? DEFAULT_HOST_FIELDS).map((f) => f.toLowerCase()));
  const allow = (opts.allowHosts ?? []).map((h) => h.toLowerCase());
  const allowed = (h: string): boolean => allow.some((a) => (a.startsWith('.') ? h.endsWith(a) : h === a));

  const judge = (host: string, out: Finding[], at: number): void => {
    const h = lowerAscii(host).replace(/\.$/, '');
    if (h === '' || allowed(h)) return;
    const v: HostVerdict | undefined = classifyHost(h);
    if (v) out.push(finding(D, v.rule, v.severity, v.message, at, at + host.length));
  };

  const inspectUrl = (url: string, at: number, out: Finding[]): void => {
    const colon = url.indexOf(':');
    const scheme = colon > 0 ? lowerAscii(url.slice(0, colon)) : '';
    if (DANGEROUS_SCHEMES.has(scheme)) {
      out.push(finding(D, 'ssrf.scheme', scheme === 'file' || scheme === 'gopher' || scheme === 'dict' ? 'critical' : 'high', `URL uses the ${scheme}: scheme, which reaches local files or raw sockets`, at, at + url.length));
    }
    for (const host of hostCandidates(url)) judge(host, out, at);
    const lower = lowerAscii(url);
    if (METADATA_PATHS.some((p) => lower.includes(p))) {
      out.push(finding(D, 'ssrf.metadata', 'critical', 'URL carries a cloud metadata address or path (proxy or redirect to metadata)', at, at + url.length));
    }
  };

  return {
    name: D,
    direction: 'input',
    scan(text: string, ctx?: ScanContext): Finding[] {
      return guarded(D, () => {
        const out: Finding[] = [];
        const body = bound(D, text, maxScan, out);
        const leaf = fieldLeaf(ctx?.field);
        for (const view of decodedViews(body)) {
          // Every `scheme://` (and `scheme:` for file/jar/netdoc) occurrence, including URLs nested in query strings.
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
          const trimmed = view.trim();
          if (leaf !== undefined && hostFields.has(leaf) && trimmed !== '' && !/\s/.test(trimmed) && !trimmed.includes('://')) {
            judge(stripPort(trimmed.startsWith('//') ? trimmed.slice(2).split('/')[0] ?? '' : trimmed.split('/')[0] ?? ''), out, 0);
          }
        }
        return out;
      });
    },
  };
}

function fieldLeaf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const m = /([A-Za-z0-9_-]+)\W*$/.exec(field);
  return m?.[1]?.toLowerCase();
}

/** Start/end offsets of URL-looking tokens: a scheme immediately before `:` and the run of non-space after. */
function urlSpans(s: string): Array<[number, number]> {
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
    if (scheme.length >= 2 && (slashes || DANGEROUS_SCHEMES.has(scheme))) {
      let k = i + 1;
      // A URL longer than 2 KiB is cut: browsers and proxies reject longer ones, and it bounds the work per span.
      while (k < s.length && k - j < 2048 && !/[\s"'<>`]/.test(s[k] as string)) k++;
      spans.push([j, k]);
    }
    from = i + 1;
  }
  return spans;
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
 * hosts a first-`@` or last-`@` parser, or one that ignores `\` as a delimiter, would pick. If any
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
  const sep = url.indexOf('://');
  const rest = sep >= 0 ? url.slice(sep + 3) : url.slice(url.indexOf(':') + 1).replace(/^[/\\]+/, '');
  for (const stop of ['/?#', '/?#\\']) {
    let end = 0;
    while (end < rest.length && !stop.includes(rest[end] as string)) end++;
    const authority = rest.slice(0, end);
    for (const at of [authority.lastIndexOf('@'), authority.indexOf('@')]) {
      const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
      const host = stripPort(hostPort.replace(/^[\\/@]+/, '').split(/[\\@]/)[0] ?? '');
      if (host) out.add(host);
      // Lenient parsers stop at the first character that cannot be in a host (`127.0.0.1!/`).
      const lenient = /^[A-Za-z0-9._~%-]+/.exec(host)?.[0];
      if (lenient && lenient !== host) out.add(lenient);
    }
  }
  return [...out];
}

/** Classifies one host string (IP literal in any notation, or a name). */
export function classifyHost(h: string): HostVerdict | undefined {
  let host = h;
  try {
    host = decodeURIComponent(h);
  } catch {
    // keep as is
  }
  host = host.normalize('NFKC').toLowerCase();
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
  return classifyHostname(host);
}
