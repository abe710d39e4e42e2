/**
 * Guardrails: detectors on both paths, evasion normalisation, and the pipeline stage that
 * applies the configured rules. Wire with:
 *
 *   const detectors = await loadDetectors();
 *   const stage = createGuardrailStage(config.guardrails, { detectors });
 *
 * Labels added by `label` rules are left in `ctx.state.get('labels.add')` (a Set<string>) for
 * the flow-control stage.
 */
export { createGuardrailStage, LABELS_ADD_KEY } from './stage.ts';
export type { GuardrailDeps, GuardrailStage } from './stage.ts';
export { guardrailsConfigSchema, guardrailRuleSchema, classifierSchema, httpClassifierSchema, onnxClassifierSchema, spotlightSchema, scanLimitsSchema } from './config.ts';
export type { GuardrailRule, GuardrailsConfig, ClassifierConfig, HttpClassifierConfig, OnnxClassifierConfig } from './config.ts';
export { normalizeText, expandForScan, hasHiddenCharacters, DEFAULT_EXPAND_LIMITS, normalizeMapped, mapSpan, scanViews } from './normalize.ts';
export type { MappedText, ScanView } from './normalize.ts';
export type { ExpandLimits } from './normalize.ts';
export type { Detector, Finding, ScanContext, Severity, EvalRow } from './types.ts';
export * from './output/index.ts';

import type { Detector } from './types.ts';
import { createOutputDetectors } from './output/index.ts';
import { createInputDetectors } from './input/index.ts';

/**
 * Every built-in detector, built once: the output detectors (injection model, gitleaks-derived
 * secrets, PII) and the input ones (shell via tree-sitter-bash, SQL, path, SSRF). Async because
 * the shell grammar is WebAssembly, loaded once.
 */
export async function loadDetectors(): Promise<Detector[]> {
  const out = createOutputDetectors();
  const names = new Set(out.map((d) => d.name));
  for (const d of (await createInputDetectors()).values()) if (!names.has(d.name)) out.push(d);
  return out;
}
