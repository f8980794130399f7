import { describe, it } from 'node:test';
import { runForward } from '../../src/modeling/execute.ts';
import { GraphBuilder } from '../../src/modeling/graph.ts';
import type { Tensor } from '../../src/modeling/tensor.ts';
import { assertOnnxAgrees } from './onnx-check.ts';
import { caseInputs, OP_CASES } from './op-cases.ts';

/** The TypeScript forward pass and onnxruntime-node on the exported file agree to 1e-5 (relative). */

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
