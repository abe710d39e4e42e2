/**
 * The quickstart's no-auth mode must never be reachable from the network by accident.
 */
import ipaddr from 'ipaddr.js';
import type { AuthConfig } from './config.ts';

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped loopback. `0.0.0.0`/`::` are NOT loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(h)) return false;
  const addr = ipaddr.process(h); // unwraps ::ffff:127.0.0.1
  return addr.range() === 'loopback';
}

/**
 * Returns a config error (naming the key path) when `auth.mode: none` would serve a non-loopback
 * bind, unless `auth.allowInsecureNonLoopback: true`; undefined when the combination is fine.
 */
export function checkAuthBind(auth: Pick<AuthConfig, 'mode' | 'allowInsecureNonLoopback'>, host: string): string | undefined {
  if (auth.mode !== 'none' || isLoopbackHost(host)) return undefined;
  if (auth.allowInsecureNonLoopback) return undefined;
  return `auth.mode: 'none' serves every request as an unauthenticated local agent, so it is refused on server.host '${host}' (not loopback); bind 127.0.0.1, configure authentication, or set auth.allowInsecureNonLoopback: true`;
}
