/**
 * Scores a model on a site's rows with the dataset's metric, as FLamby's benchmark does: on each
 * centre's test set and on the pooled test set (the centres' test sets concatenated,
 * `evaluate_model_on_local_and_pooled_tests`).
 * @see https://github.com/owkin/FLamby/blob/main/flamby/benchmarks/benchmark_utils.py
 */
import { sigmoid } from '../../modeling/ops/elementwise.ts';
import { accuracy, auc, concordanceIndex } from '../../modeling/metrics.ts';
import type { FederatedModel } from '../local-training/federated-model.ts';
import { predictScores } from '../local-training/gradients.ts';
import type { SiteData } from '../local-training/site-data.ts';
import type { MetricName } from './federated-datasets.ts';

/** The metric of `weights` on `data`; NaN when it is undefined there (no comparable pair, one class only). */
export function evaluateModel(model: FederatedModel, weights: Float64Array, data: SiteData, metric: MetricName): number {
  const scores = predictScores(model, weights, data);
  if (data.labels.kind === 'survival') {
    if (metric !== 'c-index') throw new RangeError(`${metric} is not a survival metric`);
    // Harrell's C with the risk score; lifelines is called with −score because it expects predicted times.
    return concordanceIndex(scores, data.labels.time, data.labels.event);
  }
  const p = scores.map(sigmoid);
  if (metric === 'accuracy') {
    // FLamby counts p > 0.5 as positive; the engine's accuracy counts p ≥ threshold, so the threshold
    // is the next double above 0.5 (2^-53 is one unit in the last place there).
    return accuracy(p, data.labels.y, 0.5 + Number.EPSILON / 2);
  }
  if (metric === 'auc') return auc(p, data.labels.y);
  throw new RangeError(`${metric} is not a binary metric`);
}
