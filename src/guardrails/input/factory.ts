/**
 * Builds every input detector once, keyed by name, for the guardrail stage to look up
 * (`guardrails.input[].detector: shell | sql | path | ssrf`).
 */
import type { Detector } from '../types.ts';
import { createPathDetector, type PathDetectorOptions } from './path.ts';
import { createShellDetector, type ShellDetectorOptions } from './shell.ts';
import { createSqlDetector, type SqlDetectorOptions } from './sql.ts';
import { createSsrfDetector, type SsrfDetectorOptions } from './ssrf.ts';

export interface InputDetectorsOptions {
  readonly shell?: ShellDetectorOptions;
  readonly sql?: SqlDetectorOptions;
  readonly path?: PathDetectorOptions;
  readonly ssrf?: SsrfDetectorOptions;
}

/** Creates the four input detectors (async only because the shell grammar is WASM). */
export async function createInputDetectors(opts: InputDetectorsOptions = {}): Promise<ReadonlyMap<string, Detector>> {
  const list = [await createShellDetector(opts.shell), createSqlDetector(opts.sql), createPathDetector(opts.path), createSsrfDetector(opts.ssrf)];
  return new Map(list.map((d) => [d.name, d]));
}
