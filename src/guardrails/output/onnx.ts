/**
 * A local ONNX classifier, run in-process by the optional `onnxruntime-node` package (CPU
 * binaries ship inside it). The package is imported lazily, only when an `onnx` classifier is
 * configured, so Warden runs without it; a missing package, a missing model file or a file that is
 * not a loadable model are config errors naming the key path, found at load, never per request.
 *
 * Input (`input: features`): each text is cut into chunks of `maxChars` characters; each chunk is
 * one row of a float32 tensor [rows, dim] holding the counts of Warden's hashed n-gram features
 * (output/features.ts `featurize(chunk.toLowerCase(), dim)`: x[b] += 1 for every feature index
 * b ≠ 0 of every token; bucket 0 means "no feature" and stays 0). `dim` is the model input's
 * second dimension and must be a power of two. A model whose first dimension is fixed at 1 is
 * run one row at a time; otherwise all rows go in one batch.
 *
 * Input (`input: tokens`): a Hugging Face text classifier such as Prompt Guard 2, fed token ids
 * from its tokenizer.json; see onnx-tokens.ts.
 *
 * Output: the named output (default the first), `rows × k` values. With `output: probability`
 * (the default for features) the values are read as probabilities (the graph ends in Sigmoid or
 * Softmax); with `logits` (the default for tokens: Hugging Face classifiers export logits), a
 * single column goes through a sigmoid and several columns through a softmax over the row. The
 * score is the sum over `positiveClasses` (default the last column), and a text's score is its
 * best chunk. Non-finite or out-of-range values are a malformed answer.
 *
 * Timeout: each scan (encoding included) races the configured timer and the call's abort
 * signal; losing fails closed with ClassifierError('timeout'). onnxruntime cannot cancel a
 * running inference, so a late run finishes in the background and its result is dropped.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../../config/index.ts';
import type { OnnxClassifierConfig } from '../config.ts';
import type { Finding } from '../types.ts';
import { ClassifierError, type Classifier } from './classifier.ts';
import { featurize, PER_TOKEN } from './features.ts';
import { loadTokenEncoder } from './onnx-tokens.ts';

/** The part of onnxruntime's API this module uses (structural, so tests can stub it). */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly { readonly name: string; readonly isTensor: boolean; readonly type?: string; readonly shape?: ReadonlyArray<number | string> }[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensorLike>>;
}
export interface OrtLike {
  readonly InferenceSession: { create(model: Uint8Array): Promise<OrtSessionLike> };
  readonly Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
    new (type: 'int64', data: BigInt64Array, dims: readonly number[]): unknown;
    new (type: 'int32', data: Int32Array, dims: readonly number[]): unknown;
  };
}

/** One scan's rows, ready to run: the text each row belongs to, and the runs' feeds. */
export interface EncodedScan {
  readonly owner: readonly number[];
  readonly runs: readonly { readonly feeds: Record<string, unknown>; readonly rows: number }[];
}
/**
 * Turns a scan's texts into model runs (synchronously). Throws ClassifierError: `limit` past
 * maxChunks rows, `timeout` once `deadline` (a performance.now() time) has passed.
 */
export type ScanEncoder = (texts: readonly string[], deadline: number) => EncodedScan;

export interface OnnxLoadOptions {
  /** Folder a relative `modelPath` is resolved against (the config file's). */
  readonly baseDir: string;
  /** Key path for errors, e.g. `guardrails.classifiers[2]`. */
  readonly keyPath: string;
  /** The runtime; default `await import('onnxruntime-node')`. Injected by tests. */
  readonly ort?: OrtLike;
}

/** Largest feature vector accepted (a dense row of this many floats is 4 MB). */
const MAX_DIM = 1 << 20;

let ortPromise: Promise<OrtLike> | undefined;

/**
 * Imports onnxruntime-node once; the specifier is a variable so the package stays optional for
 * tsc too (`spec` is for tests only).
 */
export function importOrt(keyPath: string, spec = 'onnxruntime-node'): Promise<OrtLike> {
  if (spec !== 'onnxruntime-node') return import(spec).catch((e: unknown) => Promise.reject(missing(keyPath, e)));
  ortPromise ??= (import(spec) as Promise<OrtLike & { default?: OrtLike }>).then((m) => (m.InferenceSession ? m : m.default!));
  return ortPromise.catch((e: unknown) => {
    ortPromise = undefined;
    throw missing(keyPath, e);
  });
}

function missing(keyPath: string, e: unknown): ConfigError {
  const why = String((e as Error)?.message ?? e).split('\n')[0];
  return new ConfigError([`${keyPath}.kind: onnx classifiers need the optional package onnxruntime-node, which could not be loaded (${why}); install it with \`npm install onnxruntime-node\``]);
}

/** Loads the model once and returns its classifier. Throws ConfigError naming the key path. */
export async function loadOnnxClassifier(cfg: OnnxClassifierConfig, opts: OnnxLoadOptions): Promise<Classifier> {
  const at = opts.keyPath;
  const ort = opts.ort ?? (await importOrt(at));
  const file = resolve(opts.baseDir, cfg.modelPath);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([`${at}.modelPath: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`]);
  }
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (e) {
    throw new ConfigError([`${at}.modelPath: ${file} is not a loadable ONNX model (${String((e as Error).message ?? e).split('\n')[0]!.slice(0, 200)})`]);
  }
  const outputName = cfg.outputName ?? session.outputNames[0];
  if (outputName === undefined || !session.outputNames.includes(outputName)) throw new ConfigError([`${at}.outputName: the model has no output "${outputName ?? ''}" (outputs: ${session.outputNames.join(', ')})`]);
  const encode = cfg.input === 'tokens' ? await loadTokenEncoder(cfg, session, ort.Tensor, opts.baseDir, at) : featureEncoder(cfg, session, ort.Tensor, at);
  return createOnnxClassifier(cfg, { session, outputName, encode });
}

/** `input: features`: checks the input tensor and encodes chunks as feature-count rows. */
function featureEncoder(cfg: OnnxClassifierConfig, session: OrtSessionLike, Tensor: OrtLike['Tensor'], at: string): ScanEncoder {
  const inputName = cfg.inputName ?? session.inputNames[0];
  if (inputName === undefined || !session.inputNames.includes(inputName)) throw new ConfigError([`${at}.inputName: the model has no input "${inputName ?? ''}" (inputs: ${session.inputNames.join(', ')})`]);
  const meta = session.inputMetadata?.find((m) => m.name === inputName);
  const shape = meta?.shape ?? [];
  const dim = shape[1];
  if (shape.length !== 2 || typeof dim !== 'number' || dim < 2 || dim > MAX_DIM || (dim & (dim - 1)) !== 0) {
    throw new ConfigError([`${at}.modelPath: input "${inputName}" must be a float tensor [batch, dim] with dim a power of two ≤ ${MAX_DIM} (got [${shape.join(', ')}])`]);
  }
  const oneRow = shape[0] === 1;
  const { name, maxChars, maxChunks } = cfg;
  return (texts) => {
    // Chunk every text; an empty text still gets one (empty) row so it has a score.
    const owner: number[] = [];
    const chunks: string[] = [];
    texts.forEach((t, i) => {
      for (let o = 0; o === 0 || o < t.length; o += maxChars) {
        owner.push(i);
        chunks.push(t.slice(o, o + maxChars));
      }
    });
    if (chunks.length > maxChunks) throw new ClassifierError(name, 'limit');
    const x = new Float32Array(chunks.length * dim);
    chunks.forEach((c, r) => fillRow(x, r * dim, c, dim));
    const per = oneRow ? 1 : chunks.length;
    const runs = [];
    for (let r = 0; r < chunks.length; r += per) {
      runs.push({ feeds: { [inputName]: new Tensor('float32', x.subarray(r * dim, (r + per) * dim), [per, dim]) }, rows: per });
    }
    return { owner, runs };
  };
}

interface Loaded {
  readonly session: OrtSessionLike;
  readonly outputName: string;
  readonly encode: ScanEncoder;
}

/** Feature counts of one chunk into `x` at row offset `o`. */
function fillRow(x: Float32Array, o: number, chunk: string, dim: number): void {
  const t = featurize(chunk.toLowerCase(), dim);
  const f = t.feats;
  for (let i = 0, n = t.count * PER_TOKEN; i < n; i++) {
    const b = f[i]!;
    if (b !== 0) x[o + b]! += 1;
  }
}

function createOnnxClassifier(cfg: OnnxClassifierConfig, m: Loaded): Classifier {
  const { name, threshold, timeoutMs } = cfg;
  const logits = (cfg.output ?? (cfg.input === 'tokens' ? 'logits' : 'probability')) === 'logits';

  /** Positive-class probability of one output row. */
  function score(row: ArrayLike<number>): number {
    const k = row.length;
    const pos = cfg.positiveClasses ?? [k - 1];
    if (pos.some((c) => c >= k)) throw new ClassifierError(name, 'malformed');
    for (let i = 0; i < k; i++) if (!Number.isFinite(row[i]!)) throw new ClassifierError(name, 'malformed');
    let p: number;
    if (!logits) p = pos.reduce((s, c) => s + row[c]!, 0);
    else if (k === 1) p = 1 / (1 + Math.exp(-row[0]!));
    else {
      let max = -Infinity;
      for (let i = 0; i < k; i++) max = Math.max(max, row[i]!);
      let sum = 0;
      for (let i = 0; i < k; i++) sum += Math.exp(row[i]! - max);
      p = pos.reduce((s, c) => s + Math.exp(row[c]! - max), 0) / sum;
    }
    if (!(p >= -1e-6 && p <= 1 + 1e-6)) throw new ClassifierError(name, 'malformed');
    return Math.min(1, Math.max(0, p));
  }

  async function infer(runs: EncodedScan['runs']): Promise<number[]> {
    const out: number[] = [];
    for (const { feeds, rows } of runs) {
      let res: Record<string, OrtTensorLike>;
      try {
        res = await m.session.run(feeds);
      } catch {
        throw new ClassifierError(name, 'malformed');
      }
      const t = res[m.outputName];
      const data = t?.data;
      if (!t || !(data instanceof Float32Array || data instanceof Float64Array) || data.length === 0 || data.length % rows !== 0) throw new ClassifierError(name, 'malformed');
      const k = data.length / rows;
      for (let r = 0; r < rows; r++) out.push(score(data.subarray(r * k, (r + 1) * k)));
    }
    return out;
  }

  return {
    name,
    direction: cfg.direction,
    async classify(texts, signal) {
      const deadline = performance.now() + timeoutMs;
      if (signal?.aborted) throw new ClassifierError(name, 'timeout');
      const scan = m.encode(texts, deadline);

      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const lose = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ClassifierError(name, 'timeout')), Math.max(0, deadline - performance.now()));
        onAbort = () => reject(new ClassifierError(name, 'timeout'));
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
      let rowScores: number[];
      try {
        rowScores = await Promise.race([infer(scan.runs), lose]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
      const best = texts.map(() => 0);
      rowScores.forEach((s, r) => (best[scan.owner[r]!] = Math.max(best[scan.owner[r]!]!, s)));
      return best.map((s) =>
        s >= threshold
          ? [{ detector: name, rule: `${name}.score`, severity: s >= 0.9 ? 'high' : 'medium', message: `classifier ${name} score ${s.toFixed(2)}`, score: s, kind: 'prompt_injection' } satisfies Finding]
          : [],
      );
    },
  };
}
