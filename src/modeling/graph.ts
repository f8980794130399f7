/**
 * A model family is one graph of ONNX operators with named parameters. The same definition is run
 * and differentiated here (execute.ts) and written as an ONNX ModelProto (onnx-export.ts).
 */
import type { Attributes } from './ops/op.ts';
import { tensor, type Tensor } from './tensor.ts';

/** A graph input or output: its name and shape, with strings for dynamic dimensions (`batch`, `tiles`). */
export interface ValueInfo {
  name: string;
  shape: (number | string)[];
  doc?: string;
}

export interface NodeDef {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attributes;
}

export interface GraphDef {
  name: string;
  doc?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** trainable initializers */
  parameters: Record<string, Tensor>;
  /** fixed initializers: int64 shapes and axes, float constants */
  constants: Record<string, { tensor: Tensor; type: 'float' | 'int64' }>;
  nodes: NodeDef[];
}

/** Builds a GraphDef node by node; each method returns the name of the value it creates. */
export class GraphBuilder {
  private readonly def: GraphDef;
  private counter = 0;

  constructor(name: string, doc?: string) {
    this.def = { name, ...(doc ? { doc } : {}), inputs: [], outputs: [], parameters: {}, constants: {}, nodes: [] };
  }

  input(name: string, shape: (number | string)[], doc?: string): string {
    this.def.inputs.push({ name, shape, ...(doc ? { doc } : {}) });
    return name;
  }

  parameter(name: string, value: Tensor): string {
    if (name in this.def.parameters) throw new Error(`parameter ${name} is defined twice`);
    this.def.parameters[name] = value;
    return name;
  }

  int64(name: string, values: readonly number[]): string {
    this.def.constants[name] = { tensor: tensor([values.length], values), type: 'int64' };
    return name;
  }

  float(name: string, value: Tensor): string {
    this.def.constants[name] = { tensor: value, type: 'float' };
    return name;
  }

  /** Adds a node with one output, named `name` or generated. */
  op(op: string, inputs: string[], attributes?: Attributes, name?: string): string {
    const out = name ?? `${op.toLowerCase()}_${this.counter++}`;
    this.def.nodes.push({ op, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
    return out;
  }

  output(name: string, shape: (number | string)[], doc?: string): void {
    this.def.outputs.push({ name, shape, ...(doc ? { doc } : {}) });
  }

  build(): GraphDef {
    return this.def;
  }
}
