/**
 * Output (tool-result) detectors: prompt injection (rules + learned model), secrets (gitleaks-
 * derived rules), personal data; and the pluggable classifier contract with its HTTP adapter.
 */
export { createPromptInjectionDetector, loadInjectionModel } from './injection.ts';
export type { InjectionModelFile, InjectionScore, PromptInjectionDetector, PromptInjectionOptions } from './injection.ts';
export { INJECTION_RULES } from './injection-rules.ts';
export { createSecretsDetector, shannonEntropy } from './secrets.ts';
export type { SecretsOptions } from './secrets.ts';
export { createPiiDetector, PII_KINDS, luhn, ibanValid } from './pii.ts';
export type { PiiKind, PiiOptions } from './pii.ts';
export { createHttpClassifier, ClassifierError } from './classifier.ts';
export type { Classifier, HttpClassifierOptions } from './classifier.ts';
export { loadOnnxClassifier, importOrt } from './onnx.ts';
export type { OnnxLoadOptions, OrtLike, OrtSessionLike, OrtTensorLike } from './onnx.ts';
export { loadClassifiers, createHttpClassifiers } from './load-classifiers.ts';
export type { LoadClassifiersOptions } from './load-classifiers.ts';

import type { Detector } from '../types.ts';
import { createPromptInjectionDetector } from './injection.ts';
import { createSecretsDetector } from './secrets.ts';
import { createPiiDetector } from './pii.ts';

/** The built-in output detectors, each built once. */
export function createOutputDetectors(): Detector[] {
  return [createPromptInjectionDetector(), createSecretsDetector(), createPiiDetector()];
}
