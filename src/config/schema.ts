/**
 * The config schema: one strict zod schema (unknown keys are errors), defaults beside it.
 * Sections owned by other folders (auth, policy, guardrails, flow, approvals, audit) are
 * imported from there so each folder keeps its schema next to its code.
 */
import { z } from 'zod';
import { guardrailsConfigSchema } from '../guardrails/config.ts';
import { flowsConfigSchema } from '../flow/config.ts';
import { auditConfigSchema } from '../audit/config.ts';
import { telemetryConfigSchema } from '../telemetry/config.ts';
import { integrityConfigSchema } from '../integrity/config.ts';
import { authConfigSchema } from '../auth/config.ts';
import { policyConfigSchema } from '../policy/config.ts';
import { approvalsConfigSchema } from '../approvals/config.ts';

/** Tool, resource and prompt names must stay within the spec's allowed characters. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

const restartSchema = z
  .object({
    initialDelayMs: z.number().int().positive().default(500),
    maxDelayMs: z.number().int().positive().default(30_000),
  })
  .strict()
  .default({ initialDelayMs: 500, maxDelayMs: 30_000 });

const upstreamBase = {
  /**
   * Namespace prefix for this server's tools and prompts; defaults to the server's key.
   * `""` means no namespace (a single server, or names known not to collide).
   */
  prefix: z.string().regex(/^[A-Za-z0-9_-]{0,64}$/, 'letters, digits, _ and - only').optional(),
  /** Per-call timeout, reset on progress. */
  timeoutMs: z.number().int().positive().default(60_000),
  /** Connection (initialize) timeout. */
  connectTimeoutMs: z.number().int().positive().default(20_000),
  restart: restartSchema,
  /** Marks a server whose annotations are not trusted (issue 5). */
  trusted: z.boolean().default(true),
  /** Labels for every tool of this server (issue 5). */
  labels: z.array(z.string()).default([]),
  /** Per-tool settings (issue 5 labels; issue 8 pins). */
  tools: z.record(z.string(), z.object({ labels: z.array(z.string()).default([]) }).strict()).default({}),
  disabled: z.boolean().default(false),
};

const stdioUpstream = z
  .object({
    ...upstreamBase,
    transport: z.literal('stdio').optional(),
    /** The command and its arguments. */
    command: z.array(z.string()).min(1),
    /** The child's whole environment: nothing is inherited except PATH (to find the command) unless listed here. */
    env: z.record(z.string(), z.string()).default({}),
    /** Working directory, relative to the config file. */
    cwd: z.string().optional(),
  })
  .strict();

/** RFC 6749 §3.2: the token endpoint MUST be TLS; plain http only to this machine (tests, sidecars). */
const secureTokenUrl = z
  .string()
  .url()
  .refine((u) => /^https:\/\//i.test(u) || /^http:\/\/(127\.|localhost[:/]|\[::1\])/i.test(u), 'must be https (plain http only to a loopback address)');

/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4) for an HTTP upstream: Warden obtains its
 * own access token and sends it as `Authorization: Bearer`, refreshing before it expires.
 */
export const upstreamOAuthSchema = z
  .object({
    tokenUrl: secureTokenUrl,
    clientId: z.string().min(1),
    /** Give it as `${env:NAME}` or `${file:path}`, never inline. */
    clientSecret: z.string().min(1),
    /** Space-separated scopes to ask for. */
    scope: z.string().min(1).optional(),
    /** RFC 8707 resource indicator: the upstream's canonical URI, which the token is bound to. */
    resource: z.string().url().optional(),
    /** `audience` parameter, for authorization servers that use it instead of `resource` (Auth0, Okta). */
    audience: z.string().min(1).optional(),
    /** Bound on one token request. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Refresh this many seconds before the token expires. */
    refreshSkewSec: z.number().int().nonnegative().default(60),
  })
  .strict();

const httpUpstream = z
  .object({
    ...upstreamBase,
    /**
     * Protocol era towards this server: `legacy` (2025-11-25 initialize, the default while the
     * 2026 subscription model is not relayed), or `auto` (probe with server/discover, 2026-07-28
     * when the server speaks it).
     */
    protocol: z.enum(['legacy', 'auto']).default('legacy'),
    /** `streamable-http` (default) or the legacy HTTP+SSE transport. */
    transport: z.enum(['streamable-http', 'sse']).default('streamable-http'),
    url: z.string().url(),
    /** Headers Warden sends upstream (its own credentials, never the agent's). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Warden's own OAuth client credentials for this server (issue 3); sets `Authorization`. */
    oauth: upstreamOAuthSchema.optional(),
  })
  .strict()
  .refine((u) => !u.oauth || !Object.keys(u.headers).some((h) => h.toLowerCase() === 'authorization'), {
    message: 'oauth and headers.authorization both set the Authorization header; keep one',
    path: ['oauth'],
  });

export const upstreamSchema = z.union([stdioUpstream, httpUpstream]);

export const serverSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8788),
    /** Largest request body accepted, in bytes. */
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    /** Deepest JSON nesting accepted. */
    maxJsonDepth: z.number().int().positive().default(64),
    /** Origins allowed in the `Origin` header; default: localhost origins. */
    allowedOrigins: z.array(z.string()).optional(),
    /** Host header values allowed; default: localhost names when bound to loopback, any otherwise. */
    allowedHosts: z.array(z.string()).optional(),
    /** Idle 2025-era sessions are closed after this long. */
    sessionIdleMs: z.number().int().positive().default(30 * 60_000),
    /** Most concurrent 2025-era sessions. */
    maxSessions: z.number().int().positive().default(10_000),
    /** How long SIGTERM waits for in-flight calls. */
    shutdownGraceMs: z.number().int().nonnegative().default(10_000),
    /** Separator between server prefix and tool name. */
    namespaceSeparator: z.string().regex(/^[A-Za-z0-9_.-]{1,3}$/).default('__'),
    /** Page size for list results sent downstream. */
    pageSize: z.number().int().positive().max(10_000).default(200),
  })
  .strict();

export const loggingSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export const storageSchema = z
  .object({
    /** Where the embedded SQLite store (audit, pins, keys, approvals) lives, relative to the config file. */
    dataDir: z.string().min(1).default('.warden'),
    /** SQLite `synchronous`: NORMAL survives a process crash (kill -9); FULL also survives power loss. */
    synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    logging: loggingSchema.default({ level: 'info' }),
    servers: z.record(z.string().regex(NAME, 'server names: letters, digits, _ and - only'), upstreamSchema),
    storage: storageSchema.prefault({}),
    /** Who agents are. Absent: local-only mode (`mode: none`), refused on non-loopback binds. */
    auth: authConfigSchema.prefault({ mode: 'none' }),
    // What they may do: agents, roles (grants with CEL conditions), virtual servers, defaultDeny.
    ...policyConfigSchema.shape,
    guardrails: guardrailsConfigSchema,
    flows: flowsConfigSchema,
    audit: auditConfigSchema.prefault({}),
    telemetry: telemetryConfigSchema.prefault({}),
    integrity: integrityConfigSchema.prefault({}),
    approvals: approvalsConfigSchema.prefault({}),
  })
  .strict();

export type WardenConfig = z.infer<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type StdioUpstreamConfig = z.infer<typeof stdioUpstream>;
export type HttpUpstreamConfig = z.infer<typeof httpUpstream>;
export type UpstreamOAuthConfig = z.infer<typeof upstreamOAuthSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;

export function isStdio(u: UpstreamConfig): u is StdioUpstreamConfig {
  return 'command' in u;
}
