/**
 * Pluggable extra classifiers (a guard service over HTTP, or a local ONNX model such as Prompt
 * Guard) that the guardrail stage runs beside the built-in detectors. They are asynchronous,
 * so they have their own contract; rules refer to them by `name` like any detector.
 *
 * Fail closed: a classifier that times out, answers non-2xx or malformed JSON throws a
 * {@link ClassifierError}; the stage turns that into a denial unless the rule is `failOpen`.
 */
import type { Finding } from '../types.ts';

export interface Classifier {
  readonly name: string;
  readonly direction: 'input' | 'output' | 'both';
  /** Scores a batch of texts; one finding list per text. Throws ClassifierError on failure. */
  classify(texts: readonly string[], signal?: AbortSignal): Promise<Finding[][]>;
}

/** Why a classifier could not answer (never includes the scanned text). */
export class ClassifierError extends Error {
  constructor(readonly classifier: string, readonly reason: 'timeout' | 'http' | 'malformed' | 'network' | 'limit') {
    super(`classifier ${classifier} failed: ${reason}`);
    this.name = 'ClassifierError';
  }
}

export interface HttpClassifierOptions {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs?: number;
  readonly threshold?: number;
  readonly direction?: 'input' | 'output' | 'both';
  readonly headers?: Readonly<Record<string, string>>;
  /** Injected for tests; defaults to the platform fetch. */
  readonly fetch?: typeof fetch;
}

/**
 * A guard service: `POST url` with `{"texts": [...]}`, expecting `{"scores": [number, ...]}`
 * (one 0..1 injection probability per text). Each request has its own timeout.
 */
export function createHttpClassifier(opts: HttpClassifierOptions): Classifier {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const threshold = opts.threshold ?? 0.5;
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
  return {
    name: opts.name,
    direction: opts.direction ?? 'output',
    async classify(texts, signal) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await doFetch(opts.url, { method: 'POST', headers, body: JSON.stringify({ texts }), signal: sig });
      } catch {
        throw new ClassifierError(opts.name, timeout.aborted ? 'timeout' : 'network');
      }
      if (!res.ok) throw new ClassifierError(opts.name, 'http');
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        throw new ClassifierError(opts.name, timeout.aborted ? 'timeout' : 'malformed');
      }
      const scores = (body as { scores?: unknown }).scores;
      if (!Array.isArray(scores) || scores.length !== texts.length || !scores.every((s) => typeof s === 'number' && s >= 0 && s <= 1)) {
        throw new ClassifierError(opts.name, 'malformed');
      }
      return (scores as number[]).map((score) =>
        score >= threshold
          ? [{ detector: opts.name, rule: `${opts.name}.score`, severity: score >= 0.9 ? 'high' : 'medium', message: `classifier ${opts.name} score ${score.toFixed(2)}`, score, kind: 'prompt_injection' } satisfies Finding]
          : [],
      );
    },
  };
}
