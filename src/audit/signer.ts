/**
 * The Ed25519 key that signs checkpoints and the chain head. Loaded (or created, 0600) once at
 * construction; signing and verifying reuse the KeyObjects.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { canonicalJson } from './canonical.ts';

export interface Signer {
  /** First 16 hex chars of SHA-256 over the public key (SPKI DER): names the key in checkpoints. */
  readonly keyId: string;
  readonly publicKey: KeyObject;
  /** base64url Ed25519 signature over the canonical JSON of `payload`. */
  sign(payload: unknown): string;
  /** The same over text that already is the canonical JSON of the payload (the per-batch head). */
  signText(canonical: string): string;
}

export interface Verifier {
  readonly keyId: string;
  /** True when `sig` is a valid signature of canonicalJson(payload) by this key. */
  verify(payload: unknown, sig: string): boolean;
}

export function keyIdOf(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function signerFromKey(key: KeyObject | string): Signer {
  const priv = typeof key === 'string' ? createPrivateKey(key) : key;
  if (priv.type !== 'private' || priv.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('audit signing key must be an Ed25519 private key');
  }
  const publicKey = createPublicKey(priv);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    publicKey,
    sign: (payload) => sign(null, Buffer.from(canonicalJson(payload)), priv).toString('base64url'),
    signText: (canonical) => sign(null, Buffer.from(canonical), priv).toString('base64url'),
  };
}

/** A verifier from a public key (PEM, or a KeyObject), or from a private key (its public half). */
export function verifierFromKey(key: KeyObject | string): Verifier {
  let pub: KeyObject;
  if (typeof key === 'string') {
    pub = key.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(key)) : createPublicKey(key);
  } else {
    pub = key.type === 'private' ? createPublicKey(key) : key;
  }
  if (pub.asymmetricKeyType !== 'ed25519') throw new TypeError('audit verification key must be Ed25519');
  return {
    keyId: keyIdOf(pub),
    verify(payload, sig) {
      try {
        return verify(null, Buffer.from(canonicalJson(payload)), pub, Buffer.from(sig, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}

/**
 * Loads the PEM private key at `path`, creating it (mode 0600, never overwriting) with its public
 * half beside it (`.pub.pem`) on first use. A key file others can read is refused, as ssh does:
 * whoever reads it can forge checkpoints.
 */
export function loadOrCreateKeyFile(path: string): Signer {
  if (!existsSync(path)) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      writeFileSync(publicKeyPath(path), publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new TypeError(`audit signing key ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`);
  }
  return signerFromKey(readFileSync(path, 'utf8'));
}

/** Where the public half of a key file is written. */
export function publicKeyPath(keyFile: string): string {
  return keyFile.replace(/\.pem$/, '') + '.pub.pem';
}
