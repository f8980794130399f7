/**
 * L2 regularisation (weight decay) of a site's local objective: F_i(w) + (λ/2)‖w_pen‖², where
 * w_pen are the weight matrices of the model and not its biases. The intercept is left free as in
 * penalised logistic and Cox regression (Hastie, Tibshirani & Friedman, Elements of Statistical
 * Learning §3.4.1, §4.4.4): shrinking it would pull every prediction towards p = 0.5 rather than
 * towards "no feature matters". The linear Cox model has no bias, so all of its weights are penalised.
 *
 * Under plain SGD adding λ·w to the gradient is the same as torch's `SGD(weight_decay=λ)` and as
 * decoupled decay (Loshchilov & Hutter 2019): w ← w − lr·(g + λ·w).
 * @see https://arxiv.org/abs/1711.05101
 */
import { badInput } from '../../errors/domain-error.ts';
import { parameterCount, type FederatedModel } from './federated-model.ts';

/** 1 at every flat coordinate the penalty applies to (weights), 0 at biases. */
export function penalisedCoordinates(model: FederatedModel): Uint8Array {
  const mask = new Uint8Array(parameterCount(model));
  let offset = 0;
  for (const slot of model.slots) {
    const n = slot.shape.reduce((a, b) => a * b, 1);
    if (!slot.name.endsWith('.bias')) mask.fill(1, offset, offset + n);
    offset += n;
  }
  return mask;
}

/** The penalty (λ/2)·Σ_{penalised j} w_j², to add to the local loss. */
export function weightDecayLoss(weights: Float64Array, mask: Uint8Array, l2: number): number {
  checkSizes(weights, mask);
  let sq = 0;
  for (let j = 0; j < weights.length; j++) if (mask[j]) sq += weights[j]! * weights[j]!;
  return (l2 / 2) * sq;
}

/** Adds the penalty's gradient, λ·w at penalised coordinates, to `gradient` in place and returns it. */
export function addWeightDecayGradient(gradient: Float64Array, weights: Float64Array, mask: Uint8Array, l2: number): Float64Array {
  checkSizes(weights, mask);
  if (gradient.length !== weights.length) throw badInput(`gradient has ${gradient.length} values, the weights ${weights.length}`);
  for (let j = 0; j < weights.length; j++) if (mask[j]) gradient[j]! += l2 * weights[j]!;
  return gradient;
}

function checkSizes(weights: Float64Array, mask: Uint8Array): void {
  if (weights.length !== mask.length) throw badInput(`weights have ${weights.length} values, the penalty mask ${mask.length}`);
}
