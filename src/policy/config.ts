/**
 * The policy section of the config: agents, roles with allow/deny grants, and virtual servers.
 * Strict objects (unknown keys are errors); defaults live beside each field.
 *
 * ```yaml
 * agents:
 *   support-bot: { roles: [support], virtualServers: [support] }
 * roles:
 *   support:
 *     allow:
 *       - { server: tickets, tools: ["get_*", "search_*"] }
 *       - { server: chat, tools: [post_message], when: 'args.channel.startsWith("#support-")' }
 *     deny:
 *       - { server: tickets, tools: [delete_*] }
 * virtualServers:
 *   support: { tools: ["tickets__*", { server: chat, tools: [post_message] }] }
 * defaultDeny: true
 * ```
 */
import { z } from 'zod';

const ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** One grant (allow) or prohibition (deny). Names are the upstream's names, not the exposed ones. */
export const ruleSchema = z
  .object({
    /** Optional stable name used in errors, explain and audit; default `roles.<role>.<allow|deny>[i]`. */
    id: z.string().regex(ID).optional(),
    /** Upstream server key from `servers` (a glob: `*` = every server). */
    server: z.string().min(1),
    /** Tool name globs on that server. */
    tools: z.array(z.string().min(1)).optional(),
    /** Resource URI globs on that server. */
    resources: z.array(z.string().min(1)).optional(),
    /** Prompt name globs on that server. */
    prompts: z.array(z.string().min(1)).optional(),
    /**
     * A CEL condition over `args` (the call's arguments), `agent` ({id, roles, via, scopes}) and
     * `tool` ({server, name}). Compiled once at load. On an allow rule the call is allowed only
     * when it evaluates to exactly `true`; on a deny rule the call is denied when it is `true`
     * OR when it cannot be evaluated (fail closed).
     */
    when: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .refine((r) => r.tools || r.resources || r.prompts, { message: 'a rule needs tools, resources or prompts' });

export const roleSchema = z
  .object({
    description: z.string().optional(),
    allow: z.array(ruleSchema).default([]),
    deny: z.array(ruleSchema).default([]),
  })
  .strict();

export const agentSchema = z
  .object({
    description: z.string().optional(),
    roles: z.array(z.string().min(1)).default([]),
    /** Virtual servers this agent may connect to; absent = any. */
    virtualServers: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** `'prefix__tool'` exposed-name globs, or `{ server, tools }` with upstream-name globs. */
const vsToolEntry = z.union([
  z.string().min(1),
  z.object({ server: z.string().min(1), tools: z.array(z.string().min(1)).min(1) }).strict(),
]);

export const virtualServerSchema = z
  .object({
    description: z.string().optional(),
    tools: z.array(vsToolEntry).default([]),
    /** `{ server, uris }` URI globs; absent = no resources on this endpoint. */
    resources: z.array(z.object({ server: z.string().min(1), uris: z.array(z.string().min(1)).min(1) }).strict()).default([]),
    /** Exposed prompt-name globs; absent = no prompts on this endpoint. */
    prompts: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const policyConfigSchema = z
  .object({
    agents: z.record(z.string().regex(ID, 'agent ids: letters, digits and _ . : @ - only'), agentSchema).default({}),
    roles: z.record(z.string().regex(ID, 'role names: letters, digits and _ . : @ - only'), roleSchema).default({}),
    /** Named endpoints `/mcp/<name>`; `default` (`/mcp`) exposes everything unless defined here. */
    virtualServers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), virtualServerSchema).default({}),
    /** With `false`, a tool no allow rule names is still allowed (only deny rules apply). Keep `true`. */
    defaultDeny: z.boolean().default(true),
  })
  .strict();

export type PolicyConfig = z.infer<typeof policyConfigSchema>;
export type PolicyConfigInput = z.input<typeof policyConfigSchema>;
export type RuleConfig = z.infer<typeof ruleSchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type VirtualServerConfig = z.infer<typeof virtualServerSchema>;
