/**
 * Input (tool-argument) detectors. Each factory builds its tables once; `scan` is synchronous,
 * linear in the (bounded) input, and never throws.
 *
 * | factory | bound per field | notes |
 * |---|---|---|
 * | `createShellDetector` (async: loads the WASM grammar) | 4 KiB parsed | tree-sitter-bash |
 * | `createSqlDetector` | 16 KiB token scan, 2 KiB parsed | node-sql-parser (MySQL), parsed in a worker with a 50 ms budget; `scanAsync` waits off the thread |
 * | `createPathDetector` | 16 KiB | roots from ScanContext.roots |
 * | `createSsrfDetector` | 16 KiB | no DNS resolution at scan time |
 *
 * Secrets in arguments are the output team's `secrets` detector (src/guardrails/output/), which can
 * be configured on the input path too; it is not duplicated here.
 */
export { createShellDetector, type ShellDetectorOptions } from './shell.ts';
export { createSqlDetector, type SqlDetectorOptions } from './sql.ts';
export { createPathDetector, type PathDetectorOptions } from './path.ts';
export { createSsrfDetector, type SsrfDetectorOptions } from './ssrf.ts';
export { createInputDetectors, type InputDetectorsOptions } from './factory.ts';
