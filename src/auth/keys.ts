/**
 * Static verification keys, imported ONCE at load as node:crypto KeyObjects (jose turns each into
 * a WebCrypto key on first use per algorithm and caches it, so a cached key costs only the
 * signature check). Each key is pinned to its algorithm list, and each algorithm is checked
 * against the key's type here, so an HS256 token can never be verified with an RSA public key's
 * bytes used as an HMAC secret (the classic algorithm-confusion attack).
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { JwsAlg, KeyConfig } from './config.ts';

export interface StaticKey {
  readonly kid: string | undefined;
  readonly algorithms: ReadonlySet<string>;
  readonly key: KeyObject;
}

const HMAC_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** The KeyObject type (and curve) each algorithm needs. */
function fits(alg: JwsAlg, key: KeyObject): boolean {
  if (alg.startsWith('HS')) return key.type === 'secret';
  if (key.type !== 'public') return false;
  const t = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return t === 'rsa' || (alg.startsWith('PS') && t === 'rsa-pss');
  if (alg === 'ES256') return t === 'ec' && curve === 'prime256v1';
  if (alg === 'ES384') return t === 'ec' && curve === 'secp384r1';
  if (alg === 'ES512') return t === 'ec' && curve === 'secp521r1';
  return t === 'ed25519'; // EdDSA, Ed25519
}

/**
 * Imports one configured key. Throws an Error whose message names the problem but never the key
 * material; the caller prefixes the key path.
 */
export function importStaticKey(k: KeyConfig): StaticKey {
  let key: KeyObject;
  if (k.secret !== undefined) {
    const bytes = Buffer.from(k.secret, 'utf8');
    for (const a of k.algorithms) {
      const need = HMAC_BYTES[a];
      if (need && bytes.length < need) throw new Error(`secret is shorter than ${need} bytes, too weak for ${a}`);
    }
    key = createSecretKey(bytes);
  } else {
    try {
      key = k.publicKey !== undefined ? createPublicKey(k.publicKey) : createPublicKey({ key: k.jwk as never, format: 'jwk' });
    } catch {
      throw new Error('cannot import the public key (expect a PEM SPKI key, a certificate, or a public JWK)');
    }
    if (key.type !== 'public') throw new Error('expected a public key'); // a private JWK would yield... never accept private material here
  }
  for (const a of k.algorithms) {
    if (!fits(a, key)) throw new Error(`algorithm ${a} does not fit a ${key.type === 'secret' ? 'secret' : key.asymmetricKeyType} key`);
  }
  return Object.freeze({ kid: k.kid, algorithms: new Set(k.algorithms), key });
}

/** Candidate keys for a token header: same algorithm, and same kid when the token names one. */
export function candidates(keys: readonly StaticKey[], alg: string, kid: string | undefined): StaticKey[] {
  return keys.filter((k) => k.algorithms.has(alg) && (kid === undefined || k.kid === undefined || k.kid === kid));
}
