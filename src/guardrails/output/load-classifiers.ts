/**
 * Builds the configured extra classifiers once at load: HTTP guard services synchronously,
 * ONNX models asynchronously (the runtime is imported and each model's session created here,
 * never per request). Errors are ConfigErrors naming the key path.
 */
import { ConfigError } from '../../config/index.ts';
import type { ClassifierConfig } from '../config.ts';
import { createHttpClassifier, type Classifier } from './classifier.ts';
import { loadOnnxClassifier, type OrtLike } from './onnx.ts';

export interface LoadClassifiersOptions {
  /** The config file's folder: relative `modelPath`s and `tokenizer`s resolve against it. */
  readonly baseDir: string;
  /** Key path of the list, for errors; default `guardrails.classifiers`. */
  readonly keyPath?: string;
  /** onnxruntime stand-in for tests. */
  readonly ort?: OrtLike;
}

/** Every configured classifier, loaded. Throws ConfigError (first failing entry) at load. */
export async function loadClassifiers(configs: readonly ClassifierConfig[], opts: LoadClassifiersOptions): Promise<Classifier[]> {
  const base = opts.keyPath ?? 'guardrails.classifiers';
  const names = new Set<string>();
  const out: Classifier[] = [];
  for (const [i, c] of configs.entries()) {
    const keyPath = `${base}[${i}]`;
    if (names.has(c.name)) throw new ConfigError([`${keyPath}.name: duplicate classifier name "${c.name}"`]);
    names.add(c.name);
    out.push(c.kind === 'http' ? createHttpClassifier(c) : await loadOnnxClassifier(c, { baseDir: opts.baseDir, keyPath, ...(opts.ort ? { ort: opts.ort } : {}) }));
  }
  return out;
}

/**
 * The synchronous default the stage uses when not handed classifiers: HTTP ones only. An ONNX
 * classifier needs an async load, so meeting one here is a wiring error.
 */
export function createHttpClassifiers(configs: readonly ClassifierConfig[], keyPath = 'guardrails.classifiers'): Classifier[] {
  return configs.map((c, i) => {
    if (c.kind !== 'http') throw new ConfigError([`${keyPath}[${i}]: onnx classifier "${c.name}" must be loaded with loadClassifiers() and passed to the stage as deps.classifiers`]);
    return createHttpClassifier(c);
  });
}
