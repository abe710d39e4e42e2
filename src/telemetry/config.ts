/**
 * The `telemetry` config section: Prometheus metrics and OpenTelemetry traces. Strict; defaults beside each key.
 */
import { z } from 'zod';

export const otlpConfigSchema = z
  .object({
    /** OTLP/HTTP traces URL (e.g. `http://collector:4318/v1/traces`). Unset: no export, and the SDK is never loaded. */
    endpoint: z.string().url().optional(),
    /** Headers sent with each export (a collector's API key). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Timeout of one export request. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Fraction of calls traced (root decision; stages follow their call). */
    sampleRatio: z.number().min(0).max(1).default(1),
  })
  .strict();

export const telemetryConfigSchema = z
  .object({
    /** `service.name` of exported spans. */
    serviceName: z.string().min(1).default('warden'),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** HTTP path of the Prometheus exposition. */
        path: z.string().startsWith('/').default('/metrics'),
      })
      .strict()
      .default({ enabled: true, path: '/metrics' }),
    otlp: otlpConfigSchema.default(otlpConfigSchema.parse({})),
  })
  .strict();

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
export type OtlpConfig = z.infer<typeof otlpConfigSchema>;
