import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { runForward } from '../../src/modeling/execute.ts';
import type { GraphDef } from '../../src/modeling/graph.ts';
import { exportOnnx } from '../../src/modeling/onnx-export.ts';
import type { Tensor } from '../../src/modeling/tensor.ts';

/** Runs `graph` in TypeScript and, exported, in onnxruntime-node; every output must agree to `tolerance` (relative). */
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

