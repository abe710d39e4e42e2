/**
 * Warden's own OAuth 2.0 credentials towards an HTTP upstream (issue 3): the client credentials
 * grant (RFC 6749 §4.4), the token cached until shortly before it expires, one token request at a
 * time however many calls are waiting, and fail closed — no token, no upstream call. The agent's
 * token never reaches the upstream; this one never leaves Warden except to that upstream.
 *
 * Neither the client secret nor an access token appears in an error message or a log line.
 */
import type { UpstreamOAuthConfig } from '../config/schema.ts';
import { WardenError } from '../errors/index.ts';

/** Supplies the `Authorization` header for an upstream request and learns when it was refused. */
export interface UpstreamAuthorization {
  /** The header value, `Bearer <token>`; fetches or refreshes the token when needed. Rejects with a WardenError. */
  authorization(): Promise<string>;
  /** The upstream answered 401 to `rejected`: drop it, so the next `authorization()` fetches a fresh token. */
  invalidate(rejected: string): void;
}

export interface OAuthTokenSourceOptions {
  /** Injected clock (ms since the epoch), for tests. */
  readonly now?: () => number;
  /** Injected fetch, for tests. */
  readonly fetch?: typeof fetch;
}

/** Used when the server omits `expires_in` (it is only RECOMMENDED): a bounded cache age. */
const DEFAULT_LIFETIME_SEC = 300;
/** A token is never cached longer than this, whatever the server says. */
const MAX_LIFETIME_SEC = 24 * 3600;
/** Larger token responses are refused (a token endpoint answers a few KiB at most). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** RFC 6750 b64token and the visible ASCII a JWT uses; anything else could break the header. */
const TOKEN_CHARS = /^[\x21-\x7e]{1,16384}$/;

/** RFC 6749 Appendix B: client id and secret are form-urlencoded before Basic encoding. */
function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/**
 * Builds the token source for one upstream; the request body, Basic credentials and the endpoint
 * name shown in errors are computed once here.
 */
export function createOAuthTokenSource(config: UpstreamOAuthConfig, opts: OAuthTokenSourceOptions = {}): UpstreamAuthorization {
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const url = new URL(config.tokenUrl);
  // Shown in errors without query or userinfo, where a credential could hide.
  const endpoint = `${url.origin}${url.pathname}`;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (config.scope) form.set('scope', config.scope);
  if (config.resource) form.set('resource', config.resource);
  if (config.audience) form.set('audience', config.audience);
  const body = form.toString();
  const headers = {
    authorization: basicAuth(config.clientId, config.clientSecret),
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const secrets = [config.clientSecret, encodeURIComponent(config.clientSecret), headers.authorization.slice(6)];

  const fail = (why: string): WardenError => {
    let detail = `OAuth token request to ${endpoint} failed: ${why}`;
    // The message quotes the authorization server; make sure it cannot echo the secret back.
    for (const s of secrets) if (s) detail = detail.split(s).join('[redacted]');
    return new WardenError('WARDEN_UPSTREAM_AUTH_FAILED', detail, { tokenUrl: endpoint });
  };

  let cached: { value: string; refreshAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function request(): Promise<string> {
    let res: Response;
    try {
      res = await doFetch(config.tokenUrl, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(config.timeoutMs) });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw fail(`no answer within ${config.timeoutMs} ms`);
      throw fail(`cannot reach the token endpoint (${(err as { cause?: { code?: string } })?.cause?.code ?? 'network error'})`);
    }
    let text: string;
    try {
      text = await readBounded(res);
    } catch (err) {
      const name = (err as Error)?.name;
      throw fail(name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${config.timeoutMs} ms` : (err as Error).message);
    }
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      // RFC 6749 §5.2 error response: the code and description say what is wrong (invalid_client…).
      const code = typeof json?.error === 'string' ? json.error.slice(0, 64) : undefined;
      const desc = typeof json?.error_description === 'string' ? json.error_description.slice(0, 200) : undefined;
      throw fail(`HTTP ${res.status}${code ? ` ${code}` : ''}${desc ? ` (${desc})` : ''}`);
    }
    if (!json) throw fail('the response is not a JSON object');
    const token = json.access_token;
    if (typeof token !== 'string' || !TOKEN_CHARS.test(token)) throw fail('the response has no usable access_token');
    // Warden sends the token as a bearer token; a DPoP- or MAC-bound token would be refused upstream.
    if (json.token_type !== undefined && (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer')) {
      throw fail(`unsupported token_type ${JSON.stringify(String(json.token_type).slice(0, 32))}`);
    }
    const expiresIn = typeof json.expires_in === 'number' && Number.isFinite(json.expires_in) && json.expires_in > 0
      ? Math.min(json.expires_in, MAX_LIFETIME_SEC)
      : DEFAULT_LIFETIME_SEC;
    // Refresh `refreshSkewSec` early; a token shorter-lived than the skew is used for half its life.
    const life = expiresIn > config.refreshSkewSec ? expiresIn - config.refreshSkewSec : expiresIn / 2;
    const value = `Bearer ${token}`;
    cached = { value, refreshAt: now() + life * 1000 };
    return value;
  }

  return {
    authorization(): Promise<string> {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.value);
      // Concurrent callers share the one request in flight.
      inflight ??= request().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(rejected: string): void {
      // Only the token that was refused: a 401 for an older token must not discard a newer one.
      if (cached?.value === rejected) cached = undefined;
    },
  };
}

/** Reads a response body up to MAX_RESPONSE_BYTES. */
async function readBounded(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error('the response is too large');
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error('the response is too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A fetch for the SDK's HTTP transports (`transport: sse`, `protocol: auto`) that sets Warden's
 * `Authorization` on every request and, on a 401, fetches a fresh token and retries once.
 */
export function authorizedFetch(auth: UpstreamAuthorization, base: typeof fetch = fetch): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const headers = new Headers(init?.headers);
    const value = await auth.authorization();
    headers.set('authorization', value);
    const res = await base(url, { ...init, headers });
    // A streamed body cannot be sent twice; the SDK sends strings, so this always holds in practice.
    const replayable = init?.body === undefined || init.body === null || typeof init.body === 'string';
    if (res.status !== 401 || !replayable) return res;
    await res.body?.cancel().catch(() => undefined);
    auth.invalidate(value);
    headers.set('authorization', await auth.authorization());
    return base(url, { ...init, headers });
  };
}
