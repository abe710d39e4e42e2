/**
 * Address and hostname tables for the SSRF detector: inet_aton-style IPv4 parsing (the notations
 * curl, libc and browsers accept), range classification through ipaddr.js, and internal names.
 */
import ipaddr from 'ipaddr.js';
import type { Severity } from '../types.ts';

export interface HostVerdict {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
}

/** Cloud metadata endpoints (AWS/GCP/Azure/DO/Hetzner/OpenStack, AWS IPv6, ECS, Alibaba, Oracle, Scaleway). */
const METADATA_IPS = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192', '169.254.42.42']);
/** Names the platforms document for their metadata services, including Rancher 1.x's and Tencent Cloud's. */
const METADATA_NAMES = new Set([
  'metadata.google.internal', 'metadata', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.com',
  'kubernetes.default', 'kubernetes.default.svc', 'metadata.packet.net', 'metadata.platformequinix.com',
  'rancher-metadata', 'rancher-metadata.rancher.internal', 'metadata.tencentyun.com',
]);
const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback', 'localhost.localdomain', 'localtest.me', 'lvh.me', 'vcap.me']);
const INTERNAL_SUFFIXES = ['.localhost', '.internal', '.local', '.localdomain', '.lan', '.intranet', '.corp', '.home.arpa', '.svc', '.cluster.local', '.home', '.private'];
/** Public wildcard-DNS and redirect services built to point names at any IP (DNS rebinding). */
const REBIND_SUFFIXES = ['.nip.io', '.sslip.io', '.xip.io', '.nip.direct', '.localtest.me', '.lvh.me', '.rbndr.us', '.1u.ms', '.r3dir.me', '.traefik.me', '.backname.io', '.vcap.me'];
const REBIND_NAMES = new Set(['1u.ms', 'r3dir.me', 'rbndr.us', 'nip.io', 'sslip.io', 'xip.io']);

function part(p: string): number | undefined {
  if (p === '') return undefined;
  let base = 10;
  let digits = p;
  if (/^0o/i.test(p)) {
    // Not inet_aton, but some URL libraries (and Python's int()) accept it.
    base = 8;
    digits = p.slice(2);
  } else if (/^0x/i.test(p)) {
    base = 16;
    digits = p.slice(2);
    if (digits === '') return 0;
  } else if (p.length > 1 && p.startsWith('0')) {
    base = 8;
    digits = p.slice(1);
  }
  const re = base === 16 ? /^[0-9a-f]+$/i : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(digits) || digits.length > 32) return undefined;
  const n = parseInt(digits, base);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Parses IPv4 the way inet_aton does: 1–4 dot-separated parts, each decimal, octal (leading 0)
 * or hex (0x); the last part fills the remaining bytes (`127.1`, `2130706433`, `0x7f.1`).
 */
export function parseLooseIPv4(host: string): ipaddr.IPv4 | undefined {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h === '' || !/^[0-9a-fox.]+$/i.test(h)) return undefined;
  const parts = h.split('.');
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = part(p);
    if (n === undefined) return undefined;
    nums.push(n);
  }
  const last = nums.pop() as number;
  if (nums.some((n) => n > 255)) return undefined;
  const room = 4 - nums.length;
  if (last >= 256 ** room) return undefined;
  const bytes = [...nums];
  for (let i = room - 1; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return new ipaddr.IPv4(bytes);
}

/** Classifies an address: anything but public unicast is internal. IPv4 embedded in IPv6 is unwrapped. */
export function classifyIp(ip: ipaddr.IPv4 | ipaddr.IPv6): HostVerdict | undefined {
  let addr: ipaddr.IPv4 | ipaddr.IPv6 = ip;
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    const r = v6.range();
    if (r === 'ipv4Mapped') addr = v6.toIPv4Address();
    else if (r === 'rfc6145' || r === 'rfc6052' || r === '6to4' || r === 'teredo') {
      // IPv4-translated (`::ffff:0:a.b.c.d`, RFC 2765; ipaddr's toIPv4Address throws on it),
      // NAT64, 6to4 and Teredo carry an IPv4 that a translator or relay may forward to.
      const b = v6.toByteArray();
      const embedded = r === '6to4' ? b.slice(2, 6) : r === 'teredo' ? b.slice(12, 16).map((x) => x ^ 0xff) : b.slice(12, 16);
      addr = new ipaddr.IPv4(embedded);
    } else if (v6.parts.slice(0, 6).every((x) => x === 0) && !(v6.parts[6] === 0 && (v6.parts[7] ?? 0) <= 1)) {
      // IPv4-compatible (deprecated) `::7f00:1`.
      addr = new ipaddr.IPv4(v6.toByteArray().slice(12, 16));
    }
  }
  const s = addr.toString();
  if (METADATA_IPS.has(s)) return { rule: 'ssrf.metadata', severity: 'critical', message: 'URL targets a cloud metadata endpoint' };
  const range = addr.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' || range === 'unspecified') return { rule: 'ssrf.loopback', severity: 'high', message: `URL targets a ${range} address` };
  return { rule: 'ssrf.private', severity: 'high', message: `URL targets a non-public address (${range})` };
}

/**
 * Metadata names with a dot: nothing else is called that, so one in any argument, even outside a URL,
 * is an address and not a word. Single labels (`metadata`, `instance-data`) are words in prose, and
 * `kubernetes.default` is the cluster API, which docs and questions name freely.
 */
const METADATA_FQDNS = [...METADATA_NAMES].filter((n) => n.includes('.') && !n.startsWith('kubernetes.'));

/**
 * True when a bare token (no scheme, an optional `:port` or `[…]`) is a cloud metadata address in any
 * notation (`169.254.169.254`, `0xa9fea9fe`, `fd00:ec2::254`, `metadata.google.internal`).
 */
export function isMetadataLiteral(token: string): boolean {
  let t = token.toLowerCase().replace(/\.+$/, '');
  if (t.startsWith('[')) t = t.slice(1, t.indexOf(']') > 0 ? t.indexOf(']') : undefined);
  else if (/^[^:]+:\d+$/.test(t)) t = t.slice(0, t.indexOf(':'));
  if (METADATA_FQDNS.includes(t)) return true;
  // A bare number is an id, not an address, unless it spells a metadata IP (2852039166 = 169.254.169.254).
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined = parseLooseIPv4(t);
  if (!ip && t.includes(':') && ipaddr.IPv6.isValid(t)) ip = ipaddr.IPv6.parse(t);
  return ip !== undefined && classifyIp(ip)?.rule === 'ssrf.metadata';
}

/** Embedded IPv4 in a rebinding-style name: `127.0.0.1.nip.io`, `127-0-0-1.sslip.io`, `7f000001.nip.io`. */
function embeddedIp(name: string, rebindService: boolean): ipaddr.IPv4 | undefined {
  const labels = name.split('.');
  for (let i = 0; i + 4 <= labels.length; i++) {
    const quad = labels.slice(i, i + 4);
    if (quad.every((l) => /^\d{1,3}$/.test(l))) return parseLooseIPv4(quad.join('.'));
  }
  for (const l of labels) {
    const dashed = /(?:^|-)(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(l);
    if (dashed) return parseLooseIPv4(dashed.slice(1, 5).join('.'));
    // Eight hex digits are an address only to the services that decode them (`7f000001.nip.io`);
    // elsewhere they are ordinary labels (hashes, CDN ids) and flagging them is a false positive.
    if (rebindService && /^[0-9a-f]{8}$/.test(l)) return parseLooseIPv4(`0x${l}`);
  }
  return undefined;
}

/** Classifies a DNS name without resolving it. */
export function classifyHostname(name: string): HostVerdict | undefined {
  if (METADATA_NAMES.has(name)) return { rule: 'ssrf.metadata', severity: 'critical', message: 'URL targets a cloud metadata hostname' };
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return { rule: 'ssrf.loopback', severity: 'high', message: 'URL targets a loopback hostname' };
  const rebindService = REBIND_NAMES.has(name) || REBIND_SUFFIXES.some((s) => name.endsWith(s));
  const inner = embeddedIp(name, rebindService);
  if (inner && classifyIp(inner)) return { rule: 'ssrf.rebinding', severity: 'high', message: 'hostname embeds a non-public IP (DNS-rebinding style name)' };
  if (rebindService) {
    return { rule: 'ssrf.rebinding', severity: 'high', message: 'hostname belongs to a wildcard-DNS or redirect service used for SSRF' };
  }
  if (INTERNAL_SUFFIXES.some((s) => name.endsWith(s))) return { rule: 'ssrf.internal-name', severity: 'high', message: 'URL targets an internal-only DNS name' };
  if (/^[a-z0-9_-]+$/.test(name) && !/^\d+$/.test(name)) {
    // A single-label name resolves only through search domains or a container network, so it is
    // internal; but it is also what placeholders (`http://server/`) and compose service names look
    // like, so on its own it asks for approval rather than blocking. Known internal names above stay high.
    return { rule: 'ssrf.internal-name', severity: 'medium', message: 'URL targets a single-label (intranet or service) hostname' };
  }
  if (/[^\x00-\x7f]/.test(name)) return { rule: 'ssrf.confusable-host', severity: 'medium', message: 'hostname uses non-ASCII characters that normalise to another name' };
  return undefined;
}
