import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/random/rng.ts';
import { operator } from '../../src/modeling/ops/registry.ts';
import { tensor, type Tensor } from '../../src/modeling/tensor.ts';
import { caseInputs, OP_CASES } from './op-cases.ts';

/**
 * Every operator's vector-Jacobian product against central finite differences: for a random
 * weighting w of the output, d(Σ w·y)/dx from `backward` must equal the numerical derivative.
 */

function objective(op: string, inputs: Tensor[], attributes: Parameters<ReturnType<typeof operator>['forward']>[1], w: Tensor): number {
  const [y] = operator(op).forward(inputs, attributes);
  let s = 0;
  for (let i = 0; i < w.data.length; i++) s += w.data[i]! * y!.data[i]!;
  return s;
}

describe('operator gradients match central finite differences', () => {
  for (const c of OP_CASES) {
    it(c.label, () => {
      const op = operator(c.op);
      const inputs = caseInputs(c, 7);
      const attributes = c.attributes ?? {};
      const outputs = op.forward(inputs, attributes);
      const rng = new Rng(11, c.label);
      const w = tensor(outputs[0]!.shape);
      for (let i = 0; i < w.data.length; i++) w.data[i] = rng.uniform(-1, 1);
      const grads = op.backward(inputs, outputs, [w], attributes);
      c.inputs.forEach((spec, k) => {
        if (spec.int64) {
          assert.equal(grads[k], undefined, `input ${k} is a shape or axes and has no gradient`);
          return;
        }
        const g = grads[k];
        assert.ok(g, `input ${k} has a gradient`);
        assert.deepEqual(g.shape, inputs[k]!.shape);
        const h = 1e-6;
        for (let i = 0; i < inputs[k]!.data.length; i++) {
          const x = inputs[k]!;
          const saved = x.data[i]!;
          x.data[i] = saved + h;
          const up = objective(c.op, inputs, attributes, w);
          x.data[i] = saved - h;
          const down = objective(c.op, inputs, attributes, w);
          x.data[i] = saved;
          const numeric = (up - down) / (2 * h);
          const analytic = g.data[i]!;
          assert.ok(Math.abs(numeric - analytic) <= 1e-6 * Math.max(1, Math.abs(numeric)), `input ${k}[${i}]: analytic ${analytic}, numeric ${numeric}`);
        }
      });
    });
  }
});
