/**
 * The `flows:` config section (issue 5): label defaults, dynamic labels, the rules (trifecta and
 * sequence), destination allow-lists, the data-flow check and session-state bounds.
 *
 * `flows:` may be written as a plain list of rules (the DESIGN sketch) or as the full object;
 * a list is read as `{ rules: [...] }`. Every CEL condition is parsed here so a broken expression
 * is refused at load with its key path, never at request time.
 */
import { z } from 'zod';
import { parseCel } from './cel.ts';

/** Label names: short, printable, no spaces (they appear in audit records and explanations). */
export const labelSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'labels: letters, digits, _ . : - only (1-64)');

/** The four labels Warden knows by name; any other label is user-defined. */
export const BUILTIN_LABELS = ['private_data', 'untrusted_content', 'external_sink', 'destructive'] as const;

const ruleId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'rule ids: letters, digits, _ . : - only');

/** A CEL expression, parsed once here to refuse a bad one at load with its key path. */
const celSchema = z.string().min(1).superRefine((src, ctx) => {
  const err = parseCel(src).error;
  if (err) ctx.addIssue({ code: 'custom', message: `invalid CEL: ${err}` });
});

const actionSchema = z.enum(['block', 'require_approval']);

/** `session_has` + `call_has` → action. The DESIGN's lethal trifecta is one of these. */
export const trifectaRuleSchema = z
  .object({
    id: ruleId,
    description: z.string().optional(),
    /** Every one of these labels must already be in the session. */
    session_has: z.array(labelSchema).min(1),
    /** The call's tool must carry this label (a list: all of them). */
    call_has: z.union([labelSchema, z.array(labelSchema).min(1)]),
    /** CEL over `args`, `server`, `tool`: when true the rule does not fire (e.g. an internal channel). */
    unless: celSchema.optional(),
    action: actionSchema.default('require_approval'),
  })
  .strict();

/** One step of a sequence: every given matcher must hold (at least one must be given). */
export const sequenceStepSchema = z
  .object({
    /** Glob on the upstream server key. */
    server: z.string().min(1).optional(),
    /** Globs on the upstream tool name (any). */
    tools: z.array(z.string().min(1)).min(1).optional(),
    /** The call carries all of these labels. */
    labels: z.array(labelSchema).min(1).optional(),
    /** CEL over `args`, `result` (earlier steps only; the last step has no result yet), `server`, `tool`. */
    when: celSchema.optional(),
  })
  .strict()
  .refine((s) => s.server !== undefined || s.tools !== undefined || s.labels !== undefined || s.when !== undefined, {
    message: 'a sequence step needs at least one of server, tools, labels, when',
  });

/** Ordered A then B (then C…): fires on the call that would complete the sequence. */
export const sequenceRuleSchema = z
  .object({
    id: ruleId,
    description: z.string().optional(),
    sequence: z.array(sequenceStepSchema).min(2).max(8),
    /** The whole sequence must fit in this many calls and/or milliseconds (first step to last). */
    window: z
      .object({ calls: z.number().int().positive().optional(), ms: z.number().int().positive().optional() })
      .strict()
      .default({ calls: 100 }),
    action: actionSchema.default('block'),
  })
  .strict();

export const flowRuleSchema = z.union([trifectaRuleSchema, sequenceRuleSchema]);

/** Once the session carries `label`, calls carrying `call_has` may only go to `allow`. */
export const destinationRuleSchema = z
  .object({
    id: ruleId.optional(),
    /** Session label that arms the rule. */
    label: labelSchema,
    /** Which calls are destinations (default: sinks). */
    call_has: labelSchema.default('external_sink'),
    server: z.string().min(1).optional(),
    tools: z.array(z.string().min(1)).min(1).optional(),
    /** Dot path of the destination argument, e.g. `channel` or `message.to`. A list value must match in full. */
    arg: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/),
    /** Globs (case-insensitive) the destination may match. */
    allow: z.array(z.string().min(1)).min(1),
    action: actionSchema.default('block'),
  })
  .strict();

/** A label added to the session when a call's result satisfies a CEL condition. */
export const dynamicLabelSchema = z
  .object({
    id: ruleId.optional(),
    server: z.string().min(1).optional(),
    tools: z.array(z.string().min(1)).min(1).optional(),
    /** CEL over `args`, `result`, `server`, `tool`. Use `has()` or `.?` for optional fields. */
    when: celSchema,
    add: z.array(labelSchema).min(1),
  })
  .strict();

export const dataflowSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Results of tools with any of these labels are fingerprinted. */
    sources: z.array(labelSchema).default(['private_data']),
    /** Arguments of calls with any of these labels are checked against the fingerprints. */
    sinks: z.array(labelSchema).default(['external_sink']),
    /** A rule that fired with `require_approval` becomes this when the data is reused. */
    raise: actionSchema.default('block'),
    /** What reuse alone (no rule fired) does. */
    alone: z.enum(['continue', 'require_approval', 'block']).default('continue'),
    /** Words per shingle. */
    shingle: z.number().int().min(2).max(8).default(3),
    /** Winnowing window (stored density ≈ 2/(window+1)). */
    window: z.number().int().min(1).max(16).default(4),
    /** Distinct shingles that must reappear to call it a data flow (one identifier-like token also suffices). */
    minShingleMatches: z.number().int().positive().default(2),
    /** Fingerprints kept per session (oldest dropped first). */
    maxFingerprints: z.number().int().positive().default(4096),
    /** Characters of one result or call's arguments looked at. */
    maxChars: z.number().int().positive().default(65_536),
  })
  .strict();

export const flowSessionSchema = z
  .object({
    /** A session's flow state is dropped after this long without a call. Also the agent window for stateless clients without a conversation id. */
    ttlMs: z.number().int().positive().default(8 * 3_600_000),
    /** Calls kept per session for explanations (labels and sequence progress are kept regardless). */
    maxHistory: z.number().int().positive().default(256),
    /** Most sessions held in memory; the least recently used is dropped beyond it. */
    maxSessions: z.number().int().positive().default(100_000),
  })
  .strict();

const DEFAULT_RULES = [
  {
    id: 'lethal-trifecta',
    session_has: ['private_data', 'untrusted_content'],
    call_has: 'external_sink',
    action: 'require_approval' as const,
  },
];

const flowsObject = z
  .object({
    /** How MCP annotations combine with admin labels: add to them (default), only for unlabelled tools, or never. */
    annotations: z.enum(['merge', 'when_unlabelled', 'ignore']).default('merge'),
    /** Labels for a tool with no admin labels and no usable annotations. */
    unlabelled: z.array(labelSchema).default(['untrusted_content', 'external_sink']),
    dynamic: z.array(dynamicLabelSchema).default([]),
    rules: z.array(flowRuleSchema).default(DEFAULT_RULES),
    destinations: z.array(destinationRuleSchema).default([]),
    dataflow: dataflowSchema.default(dataflowSchema.parse({})),
    session: flowSessionSchema.default(flowSessionSchema.parse({})),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id ${r.id}` });
      seen.add(r.id);
    });
  });

/** The `flows:` section. A bare list is read as `{ rules: [...] }`. */
export const flowsConfigSchema = z.preprocess((v) => (Array.isArray(v) ? { rules: v } : v ?? {}), flowsObject);

export type FlowsConfig = z.infer<typeof flowsObject>;
export type FlowsConfigInput = z.input<typeof flowsObject>;
export type TrifectaRuleConfig = z.infer<typeof trifectaRuleSchema>;
export type SequenceRuleConfig = z.infer<typeof sequenceRuleSchema>;
export type FlowRuleConfig = z.infer<typeof flowRuleSchema>;
export type DestinationRuleConfig = z.infer<typeof destinationRuleSchema>;
export type DynamicLabelConfig = z.infer<typeof dynamicLabelSchema>;
export type DataflowConfig = z.infer<typeof dataflowSchema>;

/** Parses a `flows:` value (or a partial one in tests) into the typed, defaulted config. */
export function parseFlowsConfig(input: unknown): FlowsConfig {
  return flowsConfigSchema.parse(input) as FlowsConfig;
}

export function isSequenceRule(r: FlowRuleConfig): r is SequenceRuleConfig {
  return 'sequence' in r;
}
