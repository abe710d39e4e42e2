/**
 * Builds tiny ONNX models in memory for tests: a hand-rolled protobuf writer for just the
 * message types a one-layer model needs (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto). No Python, no
 * downloads.
 * Field numbers are those of onnx/onnx.proto.
 */
import assert from 'node:assert/strict';
import { ConfigError } from '../../config/index.ts';
import { ClassifierError } from './classifier.ts';

/** Protobuf wire writer: varints, length-delimited fields, packed floats. */
class Pb {
  private readonly parts: Uint8Array[] = [];

  private varint(v: number | bigint): void {
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n; // int64 negatives are ten-byte two's complement
    const out: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      out.push(b);
    } while (n > 0n);
    this.parts.push(Uint8Array.from(out));
  }

  private key(field: number, wire: 0 | 2): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }

  floats(field: number, fs: readonly number[]): this {
    const b = new Uint8Array(fs.length * 4);
    const dv = new DataView(b.buffer);
    fs.forEach((f, i) => dv.setFloat32(i * 4, f, true));
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    const len = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

// TensorProto.DataType
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** A dimension: a number is a fixed size (dim_value), a string a symbolic one (dim_param). */
type Dim = number | string;

function valueInfo(name: string, shape: readonly Dim[], elemType = FLOAT): Pb {
  const dims = new Pb();
  for (const d of shape) dims.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d));
  const tensor = new Pb().int(1, elemType).msg(2, dims); // TypeProto.Tensor: elem_type, shape
  return new Pb().string(1, name).msg(2, new Pb().msg(1, tensor)); // ValueInfoProto: name, type{tensor_type}
}

function tensor(name: string, dims: readonly number[], values: readonly number[]): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).floats(4, values).string(8, name); // dims, data_type, float_data (packed), name
}

/** An int64 initializer, stored as raw little-endian bytes (TensorProto.raw_data). */
function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  const raw = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
  return t.int(2, INT64).string(8, name).bytes(9, raw);
}

/** Node attributes: a number is an INT attribute, a string a STRING one (AttributeProto). */
type Attrs = Readonly<Record<string, number | string>>;

let nodeCount = 0;
function node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Attrs = {}): Pb {
  const n = new Pb();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op.toLowerCase()}_${nodeCount++}`).string(4, op);
  for (const [k, v] of Object.entries(attrs)) {
    // AttributeProto: name = 1, i = 3, s = 4, type = 20 (INT = 2, STRING = 3)
    n.msg(5, typeof v === 'number' ? new Pb().string(1, k).int(3, v).int(20, 2) : new Pb().string(1, k).string(4, v).int(20, 3));
  }
  return n;
}

function model(graph: Pb, opset: number): Uint8Array {
  return new Pb()
    .int(1, 8) // ir_version
    .string(2, 'warden-tests') // producer_name
    .msg(7, graph)
    .msg(8, new Pb().string(1, '').int(2, opset)) // opset_import: default domain
    .finish();
}

export interface LinearModelSpec {
  /** Weight per input feature (the model's input width is `weights.length`). */
  readonly weights: readonly number[];
  readonly bias?: number;
  /** Final activation: Sigmoid gives a probability [B, 1]; none leaves the logit. */
  readonly activation?: 'sigmoid' | 'none';
  readonly inputName?: string;
  readonly outputName?: string;
  /** First input dimension; default symbolic `batch`. */
  readonly batch?: Dim;
}

/**
 * A logistic-regression model: `input [batch, N] → MatMul W [N, 1] → Add b → Sigmoid → output
 * [batch, 1]` (opset 13, IR version 8), serialised as ONNX protobuf bytes.
 */
export function buildLinearOnnxModel(spec: LinearModelSpec): Uint8Array {
  const n = spec.weights.length;
  const inName = spec.inputName ?? 'features';
  const outName = spec.outputName ?? 'score';
  const batch = spec.batch ?? 'batch';
  const sig = (spec.activation ?? 'sigmoid') === 'sigmoid';
  const graph = new Pb()
    .msg(1, node('MatMul', [inName, 'W'], ['xw']))
    .msg(1, node('Add', ['xw', 'b'], [sig ? 'logit' : outName]));
  if (sig) graph.msg(1, node('Sigmoid', ['logit'], [outName]));
  graph
    .string(2, 'warden_test_linear')
    .msg(5, tensor('W', [n, 1], spec.weights))
    .msg(5, tensor('b', [1], [spec.bias ?? 0]))
    .msg(11, valueInfo(inName, [batch, n]))
    .msg(12, valueInfo(outName, [batch, 1]));
  return model(graph, 13);
}

export type TokenInputName = 'input_ids' | 'attention_mask' | 'token_type_ids';

export interface TokenModelSpec {
  /** One row of class logits per token id: the model's vocabulary is `embedding.length`. */
  readonly embedding: readonly (readonly number[])[];
  /** Declared inputs, in order; default `input_ids`, `attention_mask`. */
  readonly inputs?: readonly TokenInputName[];
  /** Element type of the inputs; default int64 (what Hugging Face exports use). */
  readonly idType?: 'int64' | 'int32' | 'float';
  /** Input dimensions; default symbolic `batch` and `sequence`. */
  readonly batch?: Dim;
  readonly sequence?: Dim;
  readonly outputName?: string;
}

/**
 * A bag-of-tokens classifier shaped like a Hugging Face sequence-classification export:
 * `input_ids [batch, sequence] → Gather(E [vocab, k]) → [batch, sequence, k]`, summed over the
 * tokens the attention mask keeps (`Einsum bt,btk->bk`; without a mask input, over every
 * token) → `logits [batch, k]`. A declared `token_type_ids` input adds 100 × (sum of type ids)
 * to the last class, so a caller that feeds anything but zeros is caught. Opset 13.
 */
export function buildTokenOnnxModel(spec: TokenModelSpec): Uint8Array {
  const k = spec.embedding[0]?.length ?? 0;
  const inputs = spec.inputs ?? ['input_ids', 'attention_mask'];
  const elem = spec.idType === 'float' ? FLOAT : spec.idType === 'int32' ? INT32 : INT64;
  const shape = [spec.batch ?? 'batch', spec.sequence ?? 'sequence'];
  const out = spec.outputName ?? 'logits';
  const graph = new Pb();
  // Float ids (a wrong export, for load-error tests) are cast back to indices first.
  if (elem === FLOAT) graph.msg(1, node('Cast', ['input_ids'], ['ids_i'], { to: INT64 }));
  graph.msg(1, node('Gather', ['E', elem === FLOAT ? 'ids_i' : 'input_ids'], ['emb'], { axis: 0 }));
  const base = inputs.includes('token_type_ids') ? 'base' : out;
  if (inputs.includes('attention_mask')) {
    graph.msg(1, node('Cast', ['attention_mask'], ['mask_f'], { to: FLOAT }));
    graph.msg(1, node('Einsum', ['mask_f', 'emb'], [base], { equation: 'bt,btk->bk' }));
  } else {
    graph.msg(1, node('ReduceSum', ['emb', 'axis1'], [base], { keepdims: 0 }));
  }
  if (inputs.includes('token_type_ids')) {
    graph.msg(1, node('Cast', ['token_type_ids'], ['tt_f'], { to: FLOAT }));
    graph.msg(1, node('ReduceSum', ['tt_f', 'axis1'], ['tt_sum'], { keepdims: 1 }));
    graph.msg(1, node('Mul', ['tt_sum', 'TW'], ['tt_logit']));
    graph.msg(1, node('Add', [base, 'tt_logit'], [out]));
  }
  graph.string(2, 'warden_test_tokens').msg(5, tensor('E', [spec.embedding.length, k], spec.embedding.flat()));
  // Only initializers some node reads (onnxruntime warns about the others).
  if (!inputs.includes('attention_mask') || inputs.includes('token_type_ids')) graph.msg(5, int64Tensor('axis1', [1], [1]));
  if (inputs.includes('token_type_ids')) graph.msg(5, tensor('TW', [k], Array.from({ length: k }, (_, i) => (i === k - 1 ? 100 : 0))));
  for (const name of inputs) graph.msg(11, valueInfo(name, shape, elem));
  graph.msg(12, valueInfo(out, [shape[0]!, k]));
  return model(graph, 13);
}

/** Hugging Face tokenizer.json special tokens, ids in order from 0. */
function addedTokens(specials: readonly string[]) {
  return specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

/** `[CLS] $A [SEP]` as a TemplateProcessing post-processor (BERT and DeBERTa). */
function clsSep(cls: number, sep: number) {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] } },
  };
}

/**
 * A BERT-style tokenizer.json (lower-casing BertNormalizer, BertPreTokenizer, WordPiece, `[CLS]
 * … [SEP]`): ids 0..3 are `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, then `words` in order.
 */
export function buildWordPieceTokenizer(words: readonly string[], opts: { readonly truncation?: number } = {}): object {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'];
  const vocab = Object.fromEntries([...specials, ...words].map((w, i) => [w, i]));
  return {
    version: '1.0',
    truncation: opts.truncation ? { direction: 'Right', max_length: opts.truncation, strategy: 'LongestFirst', stride: 0 } : null,
    padding: null,
    added_tokens: addedTokens(specials),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: clsSep(2, 3),
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/**
 * A SentencePiece-style tokenizer.json shaped like DeBERTa-v3's (and so Prompt Guard 2's):
 * Metaspace pre-tokenizer, Unigram model, `[CLS] … [SEP]`, `padding.pad_id` 0. Ids 0..3 are
 * `[PAD]`, `[CLS]`, `[SEP]`, `[UNK]`, then `pieces` in order (each with a log-probability).
 */
export function buildUnigramTokenizer(pieces: readonly (readonly [string, number])[]): object {
  const specials = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'];
  return {
    version: '1.0',
    truncation: null,
    padding: { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    added_tokens: addedTokens(specials),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] },
    post_processor: clsSep(1, 2),
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab: [...specials.map((s) => [s, 0]), ...pieces], byte_fallback: false },
  };
}

/** Awaits `p`, asserting it rejects with a ConfigError whose first problem starts with `keyPath`; returns that problem. */
export async function configError(p: Promise<unknown>, keyPath: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.ok(e.problems[0]!.startsWith(keyPath), e.problems[0]);
    return e.problems[0]!;
  }
  assert.fail('expected a ConfigError');
}

/** Awaits `p`, asserting it rejects with a ClassifierError; returns it. */
export async function classifierError(p: Promise<unknown>): Promise<ClassifierError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ClassifierError, `expected ClassifierError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ClassifierError');
}
