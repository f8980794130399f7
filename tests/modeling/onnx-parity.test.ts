import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { runForward } from '../../src/modeling/execute.ts';
import { GraphBuilder, type GraphDef } from '../../src/modeling/graph.ts';
import { exportOnnx } from '../../src/modeling/onnx-export.ts';
import type { Tensor } from '../../src/modeling/tensor.ts';
import { caseInputs, OP_CASES } from './op-cases.ts';

/** The TypeScript forward pass and onnxruntime-node on the exported file agree to 1e-5 (relative). */

export async function assertOnnxAgrees(graph: GraphDef, feeds: Record<string, Tensor>, tolerance = 1e-5): Promise<void> {
  const session = await ort.InferenceSession.create(exportOnnx(graph));
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor('float32', Float32Array.from(t.data), [...t.shape])]));
    const result = await session.run(ortFeeds);
    const ours = runForward(graph, feeds);
    for (const out of graph.outputs) {
      const theirs = result[out.name];
      const mine = ours.get(out.name);
      assert.ok(theirs && mine, `output ${out.name}`);
      assert.deepEqual([...theirs.dims], [...mine.shape], `shape of ${out.name}`);
      const data = theirs.data as Float32Array;
      for (let i = 0; i < data.length; i++) {
        const a = data[i]!;
        const b = mine.data[i]!;
        assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${out.name}[${i}]: onnxruntime ${a}, TypeScript ${b}`);
      }
    }
  } finally {
    await session.release();
  }
}

describe('each operator agrees with onnxruntime', () => {
  for (const c of OP_CASES) {
    it(c.label, async () => {
      const inputs = caseInputs(c, 3);
      const b = new GraphBuilder(`op_${c.op}`);
      const feeds: Record<string, Tensor> = {};
      const names = c.inputs.map((spec, k) => {
        if (spec.int64) return b.int64(`c${k}`, spec.int64);
        feeds[`x${k}`] = inputs[k]!;
        return b.input(`x${k}`, spec.shape);
      });
      const y = b.op(c.op, names, c.attributes, 'y');
      const shape = runForward({ ...b.build(), outputs: [] }, feeds).get(y)!.shape;
      b.output('y', [...shape]);
      await assertOnnxAgrees(b.build(), feeds);
    });
  }
});
