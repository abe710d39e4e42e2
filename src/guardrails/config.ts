/**
 * The `guardrails:` config section: ordered rules for each direction, optional spotlighting of
 * untrusted results, external classifiers, and scan bounds. Strict (unknown keys are errors);
 * defaults live beside each key.
 */
import { z } from 'zod';

const severity = z.enum(['low', 'medium', 'high', 'critical']);

/** One guardrail rule: which detector, where it applies, and what happens when it fires. */
export const guardrailRuleSchema = z
  .object({
    /** Stable id for errors, hits and the audit record; default `<direction>.<index>.<detector>`. */
    id: z.string().min(1).optional(),
    /** Detector name: prompt_injection, secrets, pii, shell, sql, path, ssrf, or a classifier's name. */
    detector: z.string().min(1),
    /** Only findings of these detector rule ids (e.g. `pii.email`, `secrets.github-pat`). */
    rules: z.array(z.string().min(1)).optional(),
    /** Applies only to tools carrying at least one of these labels (absent: every tool). */
    on: z.array(z.string().min(1)).optional(),
    /** Applies only to these upstream servers. */
    servers: z.array(z.string().min(1)).optional(),
    /** Glob patterns (`*`, `?`) over the tool's upstream or exposed name. */
    tools: z.array(z.string().min(1)).optional(),
    /**
     * Directories the tools this rule covers may touch (path detector): a path argument that
     * resolves outside every one of them is an attack. Absolute POSIX paths, compared
     * case-sensitively (POSIX file names are). Absent: the detector's
     * default (escaping `..`, system locations and home secrets are flagged).
     */
    roots: z.array(z.string().regex(/^\//, 'must be an absolute POSIX path (Windows drive paths are not supported)')).min(1).optional(),
    action: z.enum(['block', 'redact', 'label', 'require_approval', 'log']),
    /** Session label added when the rule fires (action `label`; also allowed with others). */
    label: z.string().min(1).optional(),
    minSeverity: severity.default('low'),
    /** Score-based findings below this are ignored (0..1). */
    minScore: z.number().min(0).max(1).optional(),
    /** Say nothing about the blocked content (field, finding) in the error sent to the agent. */
    hideContent: z.boolean().default(true),
    /** A detector that throws becomes a logged hit instead of a denial. */
    failOpen: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.action !== 'label' || r.label !== undefined, { message: 'action "label" needs a `label`', path: ['label'] });

export const spotlightSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Wrap results of tools with any of these labels (absent: every tool). */
    on: z.array(z.string().min(1)).default(['untrusted_content']),
    /** Also wrap any result a prompt_injection rule flagged, whatever the tool's labels. */
    whenFlagged: z.boolean().default(true),
  })
  .strict();

/** A guard service over HTTP. */
export const httpClassifierSchema = z
  .object({
    /** Name rules use as `detector`. */
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    kind: z.literal('http'),
    /** Guard service endpoint: POST {"texts": [...]} → {"scores": [0..1, ...]}. */
    url: z.string().url(),
    timeoutMs: z.number().int().positive().max(60_000).default(2000),
    threshold: z.number().min(0).max(1).default(0.5),
    direction: z.enum(['input', 'output', 'both']).default('output'),
    /** Header names and values sent with each request (e.g. an API key reference resolved by the lead). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/**
 * A local ONNX model run in-process by the optional `onnxruntime-node` package (loaded only
 * when such a classifier is configured). See output/onnx.ts for the tensors it feeds and reads.
 */
export const onnxClassifierSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    kind: z.literal('onnx'),
    /** The .onnx file; a relative path is relative to the config file's folder. */
    modelPath: z.string().min(1),
    /**
     * What the model takes: `features` = Warden's hashed n-gram counts (output/features.ts) as a
     * float32 tensor [batch, dim]; `tokens` = a Hugging Face text classifier (Prompt Guard 2, a
     * DeBERTa/BERT export): `input_ids`, `attention_mask` (and zero `token_type_ids` if the
     * model declares them) from the `tokenizer` file.
     */
    input: z.enum(['features', 'tokens']).default('features'),
    /** `input: tokens` only: the model's tokenizer.json (Hugging Face format), relative like modelPath. */
    tokenizer: z.string().min(1).optional(),
    /** `input: tokens`: longest row in tokens, special tokens included (capped by the model's fixed length). */
    maxTokens: z.number().int().min(4).max(8192).default(512),
    /** `input: tokens`: tokens shared by consecutive chunks of a long text; default min(64, chunk/4). */
    overlapTokens: z.number().int().min(0).max(4096).optional(),
    /** `input: tokens`: rows per inference run (a model with a fixed batch of 1 runs row by row). */
    batchSize: z.number().int().positive().max(256).default(8),
    /** `input: features`: input tensor name (default the model's first); output name (default its first). */
    inputName: z.string().min(1).optional(),
    outputName: z.string().min(1).optional(),
    /**
     * How the output row is read: `probability` = values already in 0..1 (after a Sigmoid or
     * Softmax in the graph); `logits` = raw scores, passed through a sigmoid (one column) or a
     * softmax over the row (several columns). Default: `logits` for `input: tokens` (what
     * Hugging Face classifiers export), `probability` for `input: features`.
     */
    output: z.enum(['probability', 'logits']).optional(),
    /** Columns whose probabilities add up to the positive (injection) score; default the last column. */
    positiveClasses: z.array(z.number().int().min(0).max(1023)).min(1).optional(),
    timeoutMs: z.number().int().positive().max(60_000).default(1000),
    threshold: z.number().min(0).max(1).default(0.5),
    direction: z.enum(['input', 'output', 'both']).default('output'),
    /**
     * `features`: text is scored in chunks of this many characters (each a batch row). `tokens`:
     * text is tokenised in pieces of at most this many characters, cut at a space. The best chunk counts.
     */
    maxChars: z.number().int().positive().max(1024 * 1024).default(4096),
    /** Rows per scan (all texts' chunks); more fails closed rather than allocate without bound. */
    maxChunks: z.number().int().positive().max(4096).default(256),
  })
  .strict()
  .refine((c) => c.input !== 'tokens' || c.tokenizer !== undefined, { message: 'input "tokens" needs a `tokenizer` (the model\'s tokenizer.json)', path: ['tokenizer'] })
  .refine((c) => c.input !== 'features' || c.tokenizer === undefined, { message: '`tokenizer` applies only to input "tokens"', path: ['tokenizer'] })
  .refine((c) => c.input !== 'tokens' || c.inputName === undefined, { message: 'input "tokens" feeds the model\'s input_ids/attention_mask/token_type_ids by name; `inputName` applies only to input "features"', path: ['inputName'] });

export const classifierSchema = z.discriminatedUnion('kind', [httpClassifierSchema, onnxClassifierSchema]);

export const scanLimitsSchema = z
  .object({
    /** JSON nesting walked in arguments and structured results. */
    maxDepth: z.number().int().positive().max(256).default(32),
    /** String leaves scanned per call; more leaves fail closed. */
    maxStrings: z.number().int().positive().default(5000),
    /**
     * Total characters scanned per call; more fails closed (WARDEN_INSPECTION_LIMIT). With the
     * per-leaf bound this caps detector work per call at a few tens of milliseconds.
     */
    maxChars: z.number().int().positive().default(1024 * 1024),
    /** Longest single string leaf scanned; a longer one fails closed (WARDEN_INSPECTION_LIMIT). */
    maxLeafChars: z.number().int().positive().default(256 * 1024),
    /**
     * Longest base64 payload of a result (`blob`, image and audio `data`) decoded for scanning; a
     * longer one fails closed. Default 32 MiB (an image of about 24 MB).
     */
    maxPayloadChars: z.number().int().positive().default(32 * 1024 * 1024),
    /**
     * base64/hex decoding depth (0 disables) and total decoded characters per leaf. Text still
     * encoded past either bound fails closed (WARDEN_INSPECTION_LIMIT).
     */
    decodeDepth: z.number().int().min(0).max(4).default(2),
    maxDecodedChars: z.number().int().positive().default(512 * 1024),
  })
  .strict();

export const guardrailsConfigSchema = z
  .object({
    input: z.array(guardrailRuleSchema).default([]),
    output: z.array(guardrailRuleSchema).default([]),
    spotlight: spotlightSchema.prefault({}),
    classifiers: z.array(classifierSchema).default([]),
    limits: scanLimitsSchema.prefault({}),
    /**
     * The built-in prompt-injection detector's model threshold (0..1). Default: the shipped
     * model's, which keeps every training set within 1% false positives (strict: no false positive
     * on any held-out set, and lower recall on e-mails and tables). Lower finds more and flags more.
     */
    promptInjection: z.object({ threshold: z.number().gt(0).lt(1).optional() }).strict().optional(),
  })
  .strict()
  .prefault({});

export type GuardrailRule = z.infer<typeof guardrailRuleSchema>;
export type GuardrailsConfig = z.infer<typeof guardrailsConfigSchema>;
export type ClassifierConfig = z.infer<typeof classifierSchema>;
export type HttpClassifierConfig = z.infer<typeof httpClassifierSchema>;
export type OnnxClassifierConfig = z.infer<typeof onnxClassifierSchema>;
