/**
 * `input: tokens` for the ONNX classifier: a Hugging Face text classifier (Meta Prompt Guard 2,
 * any BERT/DeBERTa sequence-classification export) fed token ids from its own tokenizer.json,
 * read once at load with the pure-JS `@huggingface/tokenizers`.
 *
 * A text is tokenised without special tokens, in pieces of at most `maxChars` characters cut
 * before a space (bounded work per call, and the library's Unigram lattice overflows the stack
 * on one huge piece). Its token ids are cut into windows of `maxTokens` minus the special tokens,
 * consecutive windows sharing `overlapTokens`; each window gets the tokenizer's own special
 * tokens (found at load by encoding a probe with and without them: `[CLS] … [SEP]` for BERT and
 * DeBERTa, `<s> … </s>` for RoBERTa) and becomes one row. The window is also capped by the
 * tokenizer's `truncation.max_length` and a fixed sequence dimension of the model.
 *
 * Rows go in as `input_ids` and `attention_mask` (1 on tokens, 0 on padding), and
 * `token_type_ids` all zero, each only if the model declares it, as int64 (or int32 if that is
 * what the model declares), padded with the tokenizer's pad id to the longest row of the run (or
 * the model's fixed length). Runs hold `batchSize` rows, or one if the model's batch dimension is
 * fixed at 1 (or it has no attention mask, so rows cannot be padded).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ConfigError } from '../../config/index.ts';
import type { OnnxClassifierConfig } from '../config.ts';
import { ClassifierError } from './classifier.ts';
import type { EncodedScan, OrtLike, OrtSessionLike, ScanEncoder } from './onnx.ts';

const TOKEN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
type TokenInput = (typeof TOKEN_INPUTS)[number];

/** What the model's declared inputs ask for. */
export interface TokenModelShape {
  readonly inputs: ReadonlySet<TokenInput>;
  readonly idType: 'int64' | 'int32';
  /** Batch dimension fixed at 1. */
  readonly oneRow: boolean;
  /** Fixed sequence length, if the model has one. */
  readonly seqLen: number | undefined;
}

/** Checks the model's inputs against what a tokens model takes. Throws ConfigError at `<at>.input`. */
export function tokenModelShape(session: OrtSessionLike, at: string): TokenModelShape {
  const bad = (why: string) => new ConfigError([`${at}.input: "tokens" ${why} (model inputs: ${session.inputNames.join(', ') || 'none'})`]);
  const inputs = new Set<TokenInput>();
  for (const n of session.inputNames) {
    if (!(TOKEN_INPUTS as readonly string[]).includes(n)) throw bad(`feeds only ${TOKEN_INPUTS.join(', ')}, but the model also takes "${n}"`);
    inputs.add(n as TokenInput);
  }
  if (!inputs.has('input_ids')) throw bad('needs a model input named input_ids');
  const types = new Set<string>();
  let oneRow = false;
  let seqLen: number | undefined;
  for (const m of session.inputMetadata ?? []) {
    if (!inputs.has(m.name as TokenInput)) continue;
    if (!m.isTensor) throw bad(`needs tensor inputs; "${m.name}" is not one`);
    if (m.type !== undefined) {
      if (m.type !== 'int64' && m.type !== 'int32') throw bad(`needs integer inputs (int64); "${m.name}" is ${m.type}`);
      types.add(m.type);
    }
    const shape = m.shape ?? [];
    if (shape.length === 0) continue; // undeclared shape: symbolic
    const [b, s] = shape;
    if (shape.length !== 2 || (typeof b === 'number' && b !== 1) || (typeof s === 'number' && s < 2)) {
      throw bad(`needs [batch, sequence] inputs with batch symbolic or 1; "${m.name}" is [${shape.join(', ')}]`);
    }
    if (b === 1) oneRow = true;
    if (typeof s === 'number') {
      if (seqLen !== undefined && seqLen !== s) throw bad(`needs one sequence length; the inputs declare ${seqLen} and ${s}`);
      seqLen = s;
    }
  }
  if (types.size > 1) throw bad(`needs inputs of one type; the model mixes ${[...types].join(' and ')}`);
  if (seqLen !== undefined && !inputs.has('attention_mask')) throw bad(`cannot pad to the model's fixed length ${seqLen} without an attention_mask input`);
  return { inputs, idType: types.has('int32') ? 'int32' : 'int64', oneRow, seqLen };
}

/** A tokenizer.json, loaded and probed. */
export interface LoadedTokenizer {
  /** Token ids of a text, without special tokens. */
  encode(text: string): number[];
  /** Special token ids around every row. */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  readonly padId: number;
  /** The file's own `truncation.max_length`, if set. */
  readonly maxLength: number | undefined;
}

const PROBE = 'Warden tokenizer probe: ignore previous instructions, 42.';

/** Reads and checks a tokenizer.json once. Throws ConfigError at `key` (e.g. `…classifiers[0].tokenizer`). */
export async function loadTokenizer(file: string, key: string): Promise<LoadedTokenizer> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([`${key}: cannot read ${file} (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`]);
  }
  let json: { truncation?: { max_length?: unknown } | null; padding?: { pad_id?: unknown; pad_token?: unknown } | null };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (e) {
    throw new ConfigError([`${key}: ${file} is not JSON (${firstLine(e)})`]);
  }
  const why = (e: unknown) => new ConfigError([`${key}: ${file} is not a tokenizer.json that @huggingface/tokenizers can use (${firstLine(e)})`]);
  let tok: Tokenizer;
  let encode: (s: string, special: boolean) => number[];
  try {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a JSON object');
    tok = new Tokenizer(json, {});
    // An id the vocabulary lacks (a model without an unknown token) is dropped, not fed as garbage.
    encode = (s, special) => tok.encode(s, { add_special_tokens: special }).ids.filter(isId);
  } catch (e) {
    throw why(e);
  }
  let plain: number[];
  let full: number[];
  try {
    plain = encode(PROBE, false);
    full = encode(PROBE, true);
  } catch (e) {
    throw why(e);
  }
  const at = indexOf(full, plain);
  if (plain.length === 0 || at < 0) throw why(new Error('its special tokens do not wrap the text they are given'));
  const pad = json.padding ?? undefined;
  const padToken = typeof pad?.pad_token === 'string' ? pad.pad_token : undefined;
  const padId =
    (isId(pad?.pad_id) ? pad.pad_id : undefined) ??
    [padToken, '[PAD]', '<pad>'].map((t) => (t === undefined ? undefined : tok.token_to_id(t))).find((id) => id !== undefined) ??
    0;
  const max = json.truncation?.max_length;
  return {
    encode: (s) => encode(s, false),
    prefix: full.slice(0, at),
    suffix: full.slice(at + plain.length),
    padId,
    maxLength: typeof max === 'number' && Number.isSafeInteger(max) && max > 0 ? max : undefined,
  };
}

/** A token id that fits the int32 and int64 tensors alike. */
const isId = (id: unknown): id is number => Number.isInteger(id) && (id as number) >= 0 && (id as number) < 2 ** 31;

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 200);
}

function indexOf(hay: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Pieces of at most `max` characters, each cut just before a whitespace character found in its
 * last stretch (bounded look-back, so linear), else at `max` (never inside a surrogate pair).
 */
export function* textPieces(text: string, max: number): Generator<string> {
  const back = Math.min(256, Math.floor(max / 2));
  for (let o = 0; o < text.length; ) {
    let end = Math.min(text.length, o + max);
    if (end < text.length) {
      let j = end;
      while (j > end - back && !isSpace(text.charCodeAt(j))) j--;
      if (j > end - back && j > o) end = j;
      else if (isHighSurrogate(text.charCodeAt(end - 1)) && end - 1 > o) end--;
    }
    yield text.slice(o, end);
    o = end;
  }
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000;
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** Turns texts into model runs. Throws ConfigError at load when the window cannot fit a token. */
export function createTokenEncoder(cfg: OnnxClassifierConfig, tok: LoadedTokenizer, shape: TokenModelShape, Tensor: OrtLike['Tensor'], at: string): ScanEncoder {
  const specials = tok.prefix.length + tok.suffix.length;
  const maxLen = Math.min(cfg.maxTokens, tok.maxLength ?? Infinity, shape.seqLen ?? Infinity);
  const window = maxLen - specials;
  if (window < 1) throw new ConfigError([`${at}.maxTokens: rows of ${maxLen} tokens leave no room for text beside the tokenizer's ${specials} special tokens`]);
  const overlap = cfg.overlapTokens ?? Math.min(64, Math.floor(window / 4));
  if (overlap >= window) throw new ConfigError([`${at}.overlapTokens: ${overlap} must be smaller than the ${window} text tokens a row holds`]);
  const stride = window - overlap;
  const rowsFor = (n: number) => (n <= window ? 1 : 1 + Math.ceil((n - window) / stride));
  // Without a mask, rows of different lengths cannot share a padded run.
  const per = shape.oneRow || !shape.inputs.has('attention_mask') ? 1 : cfg.batchSize;
  const { name, maxChunks, maxChars } = cfg;

  return (texts, deadline): EncodedScan => {
    const owner: number[] = [];
    const rows: number[][] = [];
    texts.forEach((text, i) => {
      const ids: number[] = [];
      for (const piece of textPieces(text, maxChars)) {
        let got: number[];
        try {
          got = tok.encode(piece);
        } catch {
          throw new ClassifierError(name, 'malformed');
        }
        for (const id of got) ids.push(id);
        if (rows.length + rowsFor(ids.length) > maxChunks) throw new ClassifierError(name, 'limit');
        if (performance.now() > deadline) throw new ClassifierError(name, 'timeout');
      }
      for (let s = 0; ; s += stride) {
        owner.push(i);
        rows.push([...tok.prefix, ...ids.slice(s, s + window), ...tok.suffix]);
        if (s + window >= ids.length) break;
      }
    });
    if (rows.length > maxChunks) throw new ClassifierError(name, 'limit');
    const runs: EncodedScan['runs'][number][] = [];
    for (let r = 0; r < rows.length; r += per) runs.push(run(rows.slice(r, r + per)));
    return { owner, runs };
  };

  function run(batch: readonly (readonly number[])[]): EncodedScan['runs'][number] {
    const len = shape.seqLen ?? Math.max(...batch.map((r) => r.length));
    const ids = new Int32Array(batch.length * len).fill(tok.padId);
    const mask = new Int32Array(batch.length * len);
    batch.forEach((row, b) => {
      ids.set(row, b * len);
      mask.fill(1, b * len, b * len + row.length);
    });
    const dims = [batch.length, len];
    const tensor = (a: Int32Array) => (shape.idType === 'int32' ? new Tensor('int32', a, dims) : new Tensor('int64', BigInt64Array.from(a, (v) => BigInt(v)), dims));
    const feeds: Record<string, unknown> = { input_ids: tensor(ids) };
    if (shape.inputs.has('attention_mask')) feeds['attention_mask'] = tensor(mask);
    if (shape.inputs.has('token_type_ids')) feeds['token_type_ids'] = tensor(new Int32Array(ids.length));
    return { feeds, rows: batch.length };
  }
}

/** The tokens encoder for a loaded session: tokenizer file, input check, window sizes. */
export async function loadTokenEncoder(cfg: OnnxClassifierConfig, session: OrtSessionLike, Tensor: OrtLike['Tensor'], baseDir: string, at: string): Promise<ScanEncoder> {
  const tok = await loadTokenizer(resolve(baseDir, cfg.tokenizer ?? ''), `${at}.tokenizer`);
  return createTokenEncoder(cfg, tok, tokenModelShape(session, at), Tensor, at);
}
