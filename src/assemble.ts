/**
 * Assembles the pipeline from config: which stages run, in which order, and which observers
 * see every call. The order is the lifecycle in docs/architecture.md:
 *
 *   route → authorize → guardrails → flow → approval rules → [hold → approval] → forward
 *         ← guardrails (results) ← flow (labels) ←
 *   observers: audit, metrics (every path)
 *
 * Everything here is built once per config load; a reload assembles anew and swaps.
 */
import type { WardenConfig } from './config/index.ts';
import type { GatewayExtensions } from './gateway/index.ts';
import { createGuardrailStage, loadDetectors } from './guardrails/index.ts';
import type { Detector } from './guardrails/index.ts';
import type { Stage } from './pipeline/index.ts';
import type { Logger } from './telemetry/log.ts';

export interface Assembly {
  readonly extensions: GatewayExtensions;
}

let detectorsOnce: Promise<Detector[]> | undefined;

export async function assemble(config: WardenConfig, _deps: { log: Logger }): Promise<Assembly> {
  const stages: Stage[] = [];
  const g = config.guardrails;
  if (g.input.length || g.output.length || g.spotlight.enabled) {
    // Detectors are stateless once built (compiled rules, the model's weights): build them once per process.
    detectorsOnce ??= loadDetectors();
    stages.push(createGuardrailStage(g, { detectors: await detectorsOnce }));
  }
  return { extensions: { stages } };
}
