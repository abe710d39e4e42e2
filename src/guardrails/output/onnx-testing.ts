/**
 * Builds tiny ONNX models in memory for tests: a hand-rolled protobuf writer for just the
 * message types a one-layer model needs (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto). No Python, no downloads.
 * Field numbers are those of onnx/onnx.proto.
 */

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

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** A dimension: a number is a fixed size (dim_value), a string a symbolic one (dim_param). */
type Dim = number | string;

function valueInfo(name: string, shape: readonly Dim[]): Pb {
  const dims = new Pb();
  for (const d of shape) dims.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d));
  const tensor = new Pb().int(1, FLOAT).msg(2, dims); // TypeProto.Tensor: elem_type, shape
  return new Pb().string(1, name).msg(2, new Pb().msg(1, tensor)); // ValueInfoProto: name, type{tensor_type}
}

function tensor(name: string, dims: readonly number[], values: readonly number[]): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  return t.int(2, FLOAT).floats(4, values).string(8, name); // dims, data_type, float_data (packed), name
}

function node(op: string, inputs: readonly string[], outputs: readonly string[]): Pb {
  const n = new Pb();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  return n.string(3, `${op.toLowerCase()}_0`).string(4, op);
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
  return new Pb()
    .int(1, 8) // ir_version
    .string(2, 'warden-tests') // producer_name
    .msg(7, graph)
    .msg(8, new Pb().string(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .finish();
}
