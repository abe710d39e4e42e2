/**
 * The `integrity` config section (issue 8): what happens when a tool's definition changes after
 * it was pinned, and what the poisoning scan does with its findings.
 *
 * ```yaml
 * integrity:
 *   onChange: quarantine          # quarantine | alert | block_server
 *   onNewTool: pin                # pin (trust on first use) | quarantine (new tools need approval)
 *   scan: { action: quarantine, threshold: high, maxDescriptionLength: 2000 }
 *   servers:
 *     github: { onChange: block_server }
 *     scratch: { onChange: alert, scan: { action: warn } }
 *   suppress:
 *     - { server: fs, tool: write_file, rule: hidden.important-tag }
 * ```
 */
import { z } from 'zod';

/** What a changed definition does. */
export const changePolicySchema = z.enum(['quarantine', 'alert', 'block_server']);
export type ChangePolicy = z.infer<typeof changePolicySchema>;

export const severitySchema = z.enum(['low', 'medium', 'high', 'critical']);

const scanFields = {
  /** `quarantine`: findings at or above `threshold` hide the tool until approved; `warn`: report only; `off`: no scan. */
  action: z.enum(['quarantine', 'warn', 'off']),
  /** Lowest severity that triggers `action`; lower findings are reported as warnings. */
  threshold: severitySchema,
  /** A description (or any single text field) longer than this is a finding. */
  maxDescriptionLength: z.number().int().positive(),
};

export const scanConfigSchema = z
  .object({
    action: scanFields.action.default('quarantine'),
    threshold: scanFields.threshold.default('high'),
    maxDescriptionLength: scanFields.maxDescriptionLength.default(2000),
  })
  .strict();

const serverIntegritySchema = z
  .object({
    onChange: changePolicySchema.optional(),
    onNewTool: z.enum(['pin', 'quarantine']).optional(),
    scan: z.object({ action: scanFields.action.optional(), threshold: scanFields.threshold.optional() }).strict().optional(),
  })
  .strict();

const suppressSchema = z
  .object({
    server: z.string(),
    /** Absent: every tool of the server. */
    tool: z.string().optional(),
    /** Rule id, e.g. `hidden.important-tag`. */
    rule: z.string(),
  })
  .strict();

export const integrityConfigSchema = z
  .object({
    /** Default for every server. */
    onChange: changePolicySchema.default('quarantine'),
    /** A tool that appears on a server that already has pins: trust it (`pin`) or hold it for approval. */
    onNewTool: z.enum(['pin', 'quarantine']).default('pin'),
    /** Include the tool's `_meta` in the pinned hash (excluded by default; see canonical.ts). */
    pinMeta: z.boolean().default(false),
    scan: scanConfigSchema.default({ action: 'quarantine', threshold: 'high', maxDescriptionLength: 2000 }),
    servers: z.record(z.string(), serverIntegritySchema).default({}),
    /** Known false positives, silenced per server/tool/rule. */
    suppress: z.array(suppressSchema).default([]),
  })
  .strict();

export type IntegrityConfig = z.infer<typeof integrityConfigSchema>;
/** The config as written (before defaults), e.g. for tests. */
export type IntegrityConfigInput = z.input<typeof integrityConfigSchema>;
