/**
 * Authentication: JWTs (static keys, remote JWKS), OAuth 2.1 resource server (MCP authorization),
 * API keys, Warden's own signing key, and the local-only quickstart mode.
 *
 * Wiring (lead): build once per config with `createAuthenticator(cfg.auth, { db, dataDir, rolesFor })`,
 * call `authenticate(req)` at the HTTP edge before the pipeline, answer 401/403 with
 * `wwwAuthenticate`, serve `protectedResourceMetadata()` at `protectedResourceMetadataPaths(resource)`,
 * and refuse to start when `checkAuthBind(cfg.auth, cfg.server.host)` returns a message.
 */
export { createAuthenticator } from './authenticator.ts';
export type { AuthRequest, AuthResult, Authenticator, AuthenticatorDeps } from './authenticator.ts';
export { authConfigSchema, signingSchema, oauthSchema, jwtIssuerSchema } from './config.ts';
export type { AuthConfig, AuthConfigInput, JwtIssuerConfig, OAuthConfig, SigningConfig, KeyConfig } from './config.ts';
export { checkAuthBind, isLoopbackHost } from './bind.ts';
export { createApiKeyStore, hashApiKey, API_KEY_PATTERN } from './apikeys.ts';
export type { ApiKeyStore, ApiKeyInfo } from './apikeys.ts';
export { loadSigningKey, parseTtl } from './signing.ts';
export type { SigningKey } from './signing.ts';
export { bearerChallenge, protectedResourceMetadataPaths, resourceMetadataUrl } from './oauth.ts';
