/**
 * The `audit` config section. Strict (unknown keys are errors); defaults beside each key.
 */
import { z } from 'zod';

export const checkpointConfigSchema = z
  .object({
    /** Seconds between periodic signed checkpoints of the chain head (0 = only on demand). */
    intervalSec: z.number().int().nonnegative().default(300),
    /** Append each checkpoint as one JSON line to this file (outside the database). Relative to the data dir. */
    file: z.string().min(1).optional(),
    /** POST each checkpoint as JSON to this URL (a witness outside this machine). */
    url: z.string().url().optional(),
    /** Timeout for the POST. */
    urlTimeoutMs: z.number().int().positive().default(5_000),
    /** PEM file of the Ed25519 signing key; default `<data dir>/audit-signing-key.pem`, created 0600 on first use. */
    keyFile: z.string().min(1).optional(),
  })
  .strict();

const checkpointDefaults = checkpointConfigSchema.parse({});

export const auditConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Largest recorded form of arguments, result or approval (bytes of canonical JSON); longer values are cut, their hash kept. */
    maxFieldBytes: z.number().int().positive().default(16_384),
    /**
     * A batch is committed at most this long after its first record was queued. 0 (default): at the
     * end of the current event-loop turn — records finished in the same turn share one commit
     * (group commit under load) and a lone call waits for no timer.
     */
    batchMs: z.number().int().nonnegative().default(0),
    /** A batch is committed as soon as it holds this many records. */
    batchMax: z.number().int().positive().default(512),
    /** Most records waiting for commit; beyond it calls fail closed (or are dropped and counted with failOpen). */
    queueMax: z.number().int().positive().default(10_000),
    /** When true, a full or failing store no longer fails calls: the record is dropped, logged and counted. */
    failOpen: z.boolean().default(false),
    /** Records older than this many days are pruned (0 = keep forever); the cut is anchored by a signed checkpoint. */
    retentionDays: z.number().nonnegative().default(0),
    checkpoint: checkpointConfigSchema.default(checkpointDefaults),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type CheckpointConfig = z.infer<typeof checkpointConfigSchema>;

/** The defaults, for tests and callers without a config file. */
export const defaultAuditConfig: AuditConfig = auditConfigSchema.parse({});
