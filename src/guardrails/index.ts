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
export type { GuardrailDeps } from './stage.ts';
export { guardrailsConfigSchema, guardrailRuleSchema, classifierSchema, spotlightSchema, scanLimitsSchema } from './config.ts';
export type { GuardrailRule, GuardrailsConfig, ClassifierConfig } from './config.ts';
export { normalizeText, expandForScan, hasHiddenCharacters, DEFAULT_EXPAND_LIMITS } from './normalize.ts';
export type { ExpandLimits } from './normalize.ts';
export type { Detector, Finding, ScanContext, Severity, EvalRow } from './types.ts';
export * from './output/index.ts';

import type { Detector } from './types.ts';
import { createOutputDetectors } from './output/index.ts';

function isDetector(x: unknown): x is Detector {
  return !!x && typeof x === 'object' && typeof (x as Detector).name === 'string' && typeof (x as Detector).scan === 'function';
}

/**
 * Every built-in detector: the output detectors plus the input ones exported by
 * `./input/index.ts` (each `create…Detector()` factory called with defaults, or a
 * `createInputDetectors()` list). Loaded dynamically so either folder can ship first.
 */
export async function loadDetectors(): Promise<Detector[]> {
  const out = createOutputDetectors();
  let mod: Record<string, unknown> | undefined;
  try {
    mod = (await import(new URL('./input/index.ts', import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  if (mod) {
    const list = typeof mod.createInputDetectors === 'function' ? (mod.createInputDetectors as () => unknown)() : undefined;
    const found: unknown[] = Array.isArray(list)
      ? list
      : Object.entries(mod)
          .filter(([k, v]) => /^create\w+Detector$/.test(k) && typeof v === 'function')
          .map(([, v]) => {
            // A factory that needs arguments is the lead's to wire; an unknown detector name is
            // then reported when the rules are compiled.
            try {
              return (v as () => unknown)();
            } catch {
              return undefined;
            }
          });
    const names = new Set(out.map((d) => d.name));
    for (const d of found) if (isDetector(d) && !names.has(d.name)) { out.push(d); names.add(d.name); }
  }
  return out;
}
