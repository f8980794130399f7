/**
 * Writes a graph as an ONNX ModelProto (opset 17, https://onnx.ai/onnx/repo-docs/IR.html): the
 * parameters and constants become initializers (float32 and int64), dynamic dimensions become
 * `dim_param`s, and the graph's documentation strings travel with it.
 */
import onnxProto from 'onnx-proto';
import type { GraphDef, ValueInfo } from './graph.ts';
import type { Tensor } from './tensor.ts';

const { onnx } = onnxProto;

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

/** Attributes ONNX types as FLOAT; every other numeric attribute is INT or INTS. */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'epsilon']);

function floatTensor(name: string, t: Tensor) {
  return onnx.TensorProto.create({ name, dims: [...t.shape], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(t.data).buffer) });
}

function int64Tensor(name: string, t: Tensor) {
  return onnx.TensorProto.create({ name, dims: [...t.shape], dataType: onnx.TensorProto.DataType.INT64, int64Data: Array.from(t.data) });
}

function valueInfo(v: ValueInfo) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    ...(v.doc ? { docString: v.doc } : {}),
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({ dim: v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) }),
      }),
    }),
  });
}

export interface ExportOptions {
  producerVersion?: string;
  /** key/value metadata stored in the model (model name, version, feature schema) */
  metadata?: Record<string, string>;
}

/** The ModelProto bytes of `graph`, with `parameters` (default: the graph's own) as initializers. */
export function exportOnnx(graph: GraphDef, parameters: Readonly<Record<string, Tensor>> = graph.parameters, options: ExportOptions = {}): Uint8Array {
  const nodes = graph.nodes.map((n, i) =>
    onnx.NodeProto.create({
      name: `${n.op}_${i}`,
      opType: n.op,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([name, v]) =>
        typeof v === 'number'
          ? FLOAT_ATTRIBUTES.has(name)
            ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v })
            : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
          : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] }),
      ),
    }),
  );
  const initializer = [
    ...Object.entries(parameters).map(([name, t]) => floatTensor(name, t)),
    ...Object.entries(graph.constants).map(([name, c]) => (c.type === 'int64' ? int64Tensor(name, c.tensor) : floatTensor(name, c.tensor))),
  ];
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    producerName: 'sangam',
    producerVersion: options.producerVersion ?? '0',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET })],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    graph: onnx.GraphProto.create({
      name: graph.name,
      ...(graph.doc ? { docString: graph.doc } : {}),
      node: nodes,
      initializer,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
