/**
 * Loss, gradients and scores of a {@link FederatedModel} on a site's rows, through the model
 * engine's forward and reverse passes. Losses are FLamby's, so learning rates carry over:
 * - binary: mean binary cross-entropy over the batch (`torch.nn.BCELoss` after the sigmoid);
 * - survival: FLamby's `BaselineLoss` for Fed-TCGA-BRCA, Σ_events [log Σ_{risk set} e^η − η_i]
 *   divided by the batch size n, i.e. the engine's Breslow partial likelihood (which divides by the
 *   number of events D) times D/n. Tied times differ slightly: Breslow gives every tied event the
 *   whole tied risk set, FLamby's sorted prefix gives it only the rows sorted before it.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_tcga_brca/loss.py
 */
import { runBackward, runForward } from '../../modeling/execute.ts';
import { binaryCrossEntropyWithLogits, coxPartialLikelihood, type LossResult } from '../../modeling/losses.ts';
import type { Tensor } from '../../modeling/tensor.ts';
import type { FederatedModel } from './federated-model.ts';
import { toFlat, toParameters } from './federated-model.ts';
import { featureTensor, selectRows, type SiteData } from './site-data.ts';

/** A loss value and its gradient with respect to the flat weights. */
export interface FlatGradient {
  loss: number;
  gradient: Float64Array;
}

function lossOnScores(scores: Tensor, data: SiteData): LossResult {
  if (data.labels.kind === 'binary') return binaryCrossEntropyWithLogits(scores, data.labels.y);
  let events = 0;
  for (const e of data.labels.event) events += e ? 1 : 0;
  const cox = coxPartialLikelihood(scores, data.labels);
  // coxPartialLikelihood is per event; FLamby's BaselineLoss is `.mean()` over the whole batch.
  const scale = events / data.rows;
  for (let i = 0; i < cox.gradient.data.length; i++) cox.gradient.data[i]! *= scale;
  return { loss: cox.loss * scale, gradient: cox.gradient };
}

/** Loss of `weights` on all rows of `data` and its gradient in flat order. */
export function lossAndGradient(model: FederatedModel, weights: Float64Array, data: SiteData): FlatGradient {
  const parameters = toParameters(model, weights);
  const values = runForward(model.graph, { features: featureTensor(data) }, parameters);
  const l = lossOnScores(values.get(model.scoreOutput)!, data);
  const grads = runBackward(model.graph, values, { [model.scoreOutput]: l.gradient });
  return { loss: l.loss, gradient: toFlat(model, grads) };
}

/** Loss and flat gradient on the rows at `indices` (one mini-batch). */
export function batchGradient(model: FederatedModel, weights: Float64Array, data: SiteData, indices: readonly number[]): FlatGradient {
  return lossAndGradient(model, weights, selectRows(data, indices));
}

/**
 * The gradient of each row's own loss, one flat vector per index: what DP-SGD clips. Defined for
 * binary tasks only, where the loss is a sum over rows; the Cox loss couples the rows of a risk set.
 */
export function perExampleGradients(model: FederatedModel, weights: Float64Array, data: SiteData, indices: readonly number[]): Float64Array[] {
  return indices.map((r) => lossAndGradient(model, weights, selectRows(data, [r])).gradient);
}

/** The model's score for every row: the logit (binary) or the log relative hazard (survival). */
export function predictScores(model: FederatedModel, weights: Float64Array, data: SiteData): Float64Array {
  if (data.rows === 0) return new Float64Array(0);
  const values = runForward(model.graph, { features: featureTensor(data) }, toParameters(model, weights));
  return Float64Array.from(values.get(model.scoreOutput)!.data);
}
