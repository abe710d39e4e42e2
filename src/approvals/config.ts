/**
 * The `approvals` section of the config (issue 6). Strict objects; defaults beside each field.
 *
 * ```yaml
 * approvals:
 *   timeout: 10m                       # a held call is denied ("approval timed out") after this
 *   sessionScopeTtl: 1h                # how long a "this session" approval keeps matching
 *   keepAliveMs: 10000                 # progress notifications to the waiting agent
 *   approvers:
 *     - { name: alice, token: "${env:ALICE_APPROVER_TOKEN}" }                  # may approve anything
 *     - { name: ops, tokenHash: "sha256:9f86d0…", servers: [db-*], rules: [delete-*] }
 *   oidc:                              # optional: people from your IdP with an approver role
 *     issuer: https://login.example.com
 *     jwksUrl: https://login.example.com/.well-known/jwks.json
 *     audience: warden-admin
 *     approverRole: warden-approver
 *   webhook:
 *     url: https://hooks.slack.com/services/T000/B000/XXXX
 *     signingKey: "${env:WARDEN_APPROVAL_LINK_KEY}"
 *     publicUrl: https://warden.example.com
 *   rules:
 *     - { id: payments, labels: [payment] }
 *     - { id: big-delete, tools: ["delete_*"], servers: [db], when: "args.count > 100" }
 * ```
 */
import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `30s`, `10m`, `2h`, `1d` or a plain number of milliseconds. */
export function parseDuration(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  const m = /^(\d+)\s*(ms|s|m|h|d)$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[m[2]!]!;
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** Node timers cannot wait longer than 2^31-1 ms (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const duration = (def: string, max = Number.MAX_SAFE_INTEGER) =>
  z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined || ms > max) {
        ctx.addIssue({ code: 'custom', message: `a duration such as 30s, 10m, 2h, or a positive number of milliseconds${ms !== undefined ? ' (at most 24 days)' : ''}` });
        return z.NEVER;
      }
      return ms;
    });

const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export const approverSchema = z
  .object({
    /** Who this is; recorded as `decided_by`. Must not equal any agent id (an agent never approves itself). */
    name: z.string().regex(NAME, 'letters, digits, _ . @ and - only'),
    /** The admin token, usually `${env:…}` or `${file:…}`; hashed at load, never kept in clear. */
    token: z.string().min(16, 'at least 16 characters').optional(),
    /** Alternatively the token's SHA-256 (`sha256:<64 hex>`), so the config never holds the token. */
    tokenHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 lowercase hex digits>').optional(),
    /** Rule ids (globs) this person may decide; absent = every rule. */
    rules: z.array(z.string().min(1)).optional(),
    /** Upstream server keys (globs) this person may decide for; absent = every server. */
    servers: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((a) => (a.token === undefined) !== (a.tokenHash === undefined), { message: 'an approver needs exactly one of token or tokenHash' });

export const webhookSchema = z
  .object({
    /** Incoming-webhook URL (Slack-compatible JSON: text + blocks). */
    url: z.string().url(),
    /** HMAC-SHA256 key for the approve/deny links; at least 32 characters. */
    signingKey: z.string().min(32, 'at least 32 characters'),
    /** Warden's public base URL, used to build the links (e.g. https://warden.example.com). */
    publicUrl: z.string().url(),
    /** Longest wait for the webhook endpoint; a failure is logged and never blocks the hold. */
    timeoutMs: z.number().int().positive().max(30_000).default(5_000),
  })
  .strict();

export const oidcApproversSchema = z
  .object({
    /** Expected `iss`. */
    issuer: z.string().min(1),
    /** The issuer's JWKS endpoint. */
    jwksUrl: z.string().url(),
    /** Expected `aud` (Warden's admin client id or API identifier). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).default(['RS256', 'ES256']),
    /** Claim holding the roles (array or space-separated string; dotted path allowed). */
    roleClaim: z.string().min(1).default('roles'),
    /** The role that makes a user an approver. */
    approverRole: z.string().min(1).default('warden-approver'),
    /** Claim recorded as `decided_by`. */
    nameClaim: z.string().min(1).default('email'),
    /** Rule ids / servers (globs) OIDC approvers may decide; absent = all. */
    rules: z.array(z.string().min(1)).optional(),
    servers: z.array(z.string().min(1)).optional(),
    timeoutMs: z.number().int().positive().max(30_000).default(3_000),
    cooldownMs: z.number().int().nonnegative().default(30_000),
    cacheMaxAgeMs: z.number().int().positive().default(600_000),
  })
  .strict();

export const approvalRuleSchema = z
  .object({
    id: z.string().regex(NAME, 'letters, digits, _ . @ and - only'),
    /** Tool names (globs), matched against the upstream name and the namespaced name. */
    tools: z.array(z.string().min(1)).optional(),
    /** Upstream server keys (globs). */
    servers: z.array(z.string().min(1)).optional(),
    /** The rule applies when the tool carries any of these labels. */
    labels: z.array(z.string().min(1)).optional(),
    /** CEL over `args`, `server`, `tool`; an expression that fails to evaluate holds (fail closed). */
    when: z.string().min(1).optional(),
    /** Shown to the approver. */
    description: z.string().optional(),
  })
  .strict();

export const approvalsConfigSchema = z
  .object({
    timeout: duration('10m', MAX_TIMER_MS),
    /** Validity of a "this session" approval (and of an approved orphaned request's retry ticket). */
    sessionScopeTtl: duration('1h'),
    keepAliveMs: z.number().int().min(1000).max(MAX_TIMER_MS).default(10_000),
    /** Largest stored (redacted) arguments, in bytes of JSON; larger ones are stored truncated. */
    maxStoredArgsBytes: z.number().int().positive().default(65_536),
    approvers: z.array(approverSchema).default([]),
    /** Optional: OIDC users with the approver role, besides the admin tokens. */
    oidc: oidcApproversSchema.optional(),
    webhook: webhookSchema.optional(),
    rules: z.array(approvalRuleSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.approvers.forEach((a, i) => {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['approvers', i, 'name'], message: `duplicate approver ${a.name}` });
      seen.add(a.name);
    });
    const ids = new Set<string>();
    c.rules.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
      ids.add(r.id);
    });
  });

/** The validated section (durations in milliseconds). */
export type ApprovalsConfig = z.infer<typeof approvalsConfigSchema>;
export type ApprovalsConfigInput = z.input<typeof approvalsConfigSchema>;
export type ApproverConfig = z.infer<typeof approverSchema>;
export type ApprovalRuleConfig = z.infer<typeof approvalRuleSchema>;
