/** Parameter updates: SGD with momentum and Adam (Kingma & Ba 2015), deterministic and in place. */
import type { Tensor } from './tensor.ts';

export interface Optimiser {
  /** Applies one update to `parameters` from `gradients` (parameters without a gradient are left alone). */
  step(parameters: Record<string, Tensor>, gradients: ReadonlyMap<string, Tensor>): void;
}

export interface SgdOptions {
  learningRate: number;
  momentum?: number;
}

/** v ← μ·v + g; w ← w − lr·v. */
export function sgd(options: SgdOptions): Optimiser {
  const velocity = new Map<string, Float64Array>();
  const mu = options.momentum ?? 0;
  return {
    step(parameters, gradients) {
      for (const [name, g] of gradients) {
        const w = parameters[name];
        if (!w) continue;
        let v = velocity.get(name);
        if (!v) velocity.set(name, (v = new Float64Array(w.data.length)));
        for (let i = 0; i < w.data.length; i++) {
          v[i] = mu * v[i]! + g.data[i]!;
          w.data[i]! -= options.learningRate * v[i]!;
        }
      }
    },
  };
}

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adam with bias-corrected first and second moments. */
export function adam(options: AdamOptions): Optimiser {
  const b1 = options.beta1 ?? 0.9;
  const b2 = options.beta2 ?? 0.999;
  const eps = options.epsilon ?? 1e-8;
  const m = new Map<string, Float64Array>();
  const v = new Map<string, Float64Array>();
  let t = 0;
  return {
    step(parameters, gradients) {
      t++;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (const [name, g] of gradients) {
        const w = parameters[name];
        if (!w) continue;
        let mi = m.get(name);
        let vi = v.get(name);
        if (!mi || !vi) {
          m.set(name, (mi = new Float64Array(w.data.length)));
          v.set(name, (vi = new Float64Array(w.data.length)));
        }
        for (let i = 0; i < w.data.length; i++) {
          const gi = g.data[i]!;
          mi[i] = b1 * mi[i]! + (1 - b1) * gi;
          vi[i] = b2 * vi[i]! + (1 - b2) * gi * gi;
          w.data[i]! -= (options.learningRate * (mi[i]! / c1)) / (Math.sqrt(vi[i]! / c2) + eps);
        }
      }
    },
  };
}
