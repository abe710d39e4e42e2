/**
 * Signed, expiring approve/deny links for the webhook channel:
 * `<publicUrl>/approvals/<id>/<approve|deny>?exp=<unix seconds>&sig=<base64url HMAC-SHA256>`.
 * The MAC covers a version tag, the id, the action and the expiry, so a link cannot be turned
 * into another request's link, into the opposite action, or extended. A link is used once because
 * the request it names can be decided once (store.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction = 'approve' | 'deny';

export interface LinkSigner {
  /** The full URL of a link valid until `expiresAt` (ms). */
  url(id: string, action: LinkAction, expiresAt: number): string;
  /** Checks a presented link; the signature is checked before the expiry. */
  verify(id: string, action: LinkAction, exp: string | null, sig: string | null, now: number): 'ok' | 'invalid' | 'expired';
}

const EXP = /^\d{1,12}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;

/** Builds the signer once; the key never leaves this closure. */
export function createLinkSigner(signingKey: string, publicUrl: string): LinkSigner {
  const key = Buffer.from(signingKey, 'utf8');
  const base = publicUrl.replace(/\/+$/, '');
  const mac = (id: string, action: LinkAction, exp: string): Buffer =>
    createHmac('sha256', key).update(`warden-approval-link/v1\n${id}\n${action}\n${exp}`).digest();
  return {
    url(id, action, expiresAt) {
      const exp = String(Math.floor(expiresAt / 1000));
      const sig = mac(id, action, exp).toString('base64url');
      return `${base}/approvals/${encodeURIComponent(id)}/${action}?exp=${exp}&sig=${sig}`;
    },
    verify(id, action, exp, sig, now) {
      if (!exp || !sig || !EXP.test(exp) || !SIG.test(sig)) return 'invalid';
      const given = Buffer.from(sig, 'base64url');
      const want = mac(id, action, exp);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return 'invalid';
      return Number(exp) * 1000 > now ? 'ok' : 'expired';
    },
  };
}
