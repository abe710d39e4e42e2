/**
 * Warden's own signing key, for `warden token issue`: an Ed25519 key pair in a file in the data
 * directory (created on first use with mode 0600, refused if others can read it), or an HS256
 * secret from config. The server verifies these tokens like any other issuer's.
 */
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SignJWT } from 'jose';
import type { SigningConfig } from './config.ts';
import type { StaticKey } from './keys.ts';

export interface SigningKey {
  readonly alg: 'EdDSA' | 'HS256';
  readonly issuer: string;
  readonly audience: string;
  /** The verification half, pinned to `alg`. */
  readonly verifyKey: StaticKey;
  /** Signs an access token for `agent`. */
  issue(agent: string, opts: { ttlSec: number; now?: number; roles?: readonly string[]; rolesClaim?: string }): Promise<string>;
}

/** Reads (or with `create`, creates) the key file. Throws an Error naming the file, never its contents. */
function loadKeyFile(path: string, create: boolean): KeyObject {
  let text: string | undefined;
  try {
    const st = statSync(path);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new Error(`${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!create) throw new Error(`signing key ${path} does not exist yet`);
  }
  if (text === undefined) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      // 'wx': never overwrite a key another process created a moment ago.
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, jwk);
      } finally {
        closeSync(fd);
      }
      text = jwk;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      text = readFileSync(path, 'utf8');
    }
  }
  try {
    return createPrivateKey({ key: JSON.parse(text) as never, format: 'jwk' });
  } catch {
    throw new Error(`${path} does not hold an Ed25519 private JWK`);
  }
}

/**
 * Loads the signing key. `dataDir` is where the key file lives; with `create`, a missing file is
 * generated. Returns undefined when signing is disabled or (EdDSA) no data dir is known.
 */
export function loadSigningKey(cfg: SigningConfig, opts: { dataDir?: string; resource?: string; create?: boolean }): SigningKey | undefined {
  if (!cfg.enabled) return undefined;
  const audience = cfg.audience ?? opts.resource ?? 'warden';
  let signKey: KeyObject;
  let verify: KeyObject;
  if (cfg.algorithm === 'HS256') {
    if (!cfg.secret) throw new Error('auth.signing.secret: required for algorithm HS256');
    if (Buffer.byteLength(cfg.secret) < 32) throw new Error('auth.signing.secret: shorter than 32 bytes, too weak for HS256');
    signKey = verify = createSecretKey(Buffer.from(cfg.secret, 'utf8'));
  } else {
    if (!opts.dataDir) return undefined;
    try {
      signKey = loadKeyFile(resolve(opts.dataDir, cfg.keyFile), opts.create ?? true);
    } catch (err) {
      throw new Error(`auth.signing.keyFile: ${(err as Error).message}`);
    }
    verify = createPublicKey(signKey);
  }
  const alg = cfg.algorithm;
  const key: SigningKey = {
    alg,
    issuer: cfg.issuer,
    audience,
    verifyKey: Object.freeze({ kid: undefined, algorithms: new Set([alg]), key: verify }),
    async issue(agent, o) {
      if (!(o.ttlSec > 0) || o.ttlSec > cfg.maxTtlSec) throw new RangeError(`ttl must be between 1 s and auth.signing.maxTtlSec (${cfg.maxTtlSec} s)`);
      const iat = Math.floor((o.now ?? Date.now()) / 1000);
      const claims: Record<string, unknown> = {};
      if (o.roles && o.rolesClaim) claims[o.rolesClaim] = [...o.roles];
      return new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuer(cfg.issuer)
        .setAudience(audience)
        .setSubject(agent)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + o.ttlSec)
        .setJti(randomUUID())
        .sign(signKey);
    },
  };
  return Object.freeze(key);
}

/** Parses `90s`, `15m`, `1h`, `7d` (or plain seconds) into seconds; undefined when invalid. */
export function parseTtl(s: string): number | undefined {
  const m = /^(\d{1,9})([smhd]?)$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}
