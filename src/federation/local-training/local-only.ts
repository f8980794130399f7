/**
 * The baselines federated training is measured against: a model trained on one site's rows alone
 * (FLamby's "Local i"), or on everyone's rows at once ("Pooled"). FLamby's `train_single_centric`
 * runs full epochs of a shuffled `DataLoader` (last batch short) with Adam, from the same initial
 * weights as the federated run. Its per-dataset settings (`datasets/<name>/common.py`) are exported
 * below. @see https://github.com/owkin/FLamby/blob/main/flamby/benchmarks/benchmark_utils.py
 *
 * With `earlyStopping` the baseline gets the treatment the federated defaults get: its length is
 * chosen on data it did not train on (a stratified part of its own rows), then it is refitted on all
 * of its rows for that many steps (Goodfellow, Bengio & Courville, Deep Learning §7.8, Algorithm 7.2).
 */
import { badInput } from '../../errors/domain-error.ts';
import { adam } from '../../modeling/optimisers.ts';
import { tensor } from '../../modeling/tensor.ts';
import { Rng } from '../../random/rng.ts';
import { CyclingLoader, permutation } from './cycling-loader.ts';
import { checkLength, type FederatedModel } from './federated-model.ts';
import { batchGradient, lossAndGradient } from './gradients.ts';
import { checkData, selectRows, type SiteData } from './site-data.ts';

/** Early stopping on a held-out part of the site's own rows. */
export interface EarlyStoppingOptions {
  /** share of the rows held out, stratified by label (binary) or event flag (survival) */
  validationFraction: number;
}

/** Settings of a centralised (local or pooled) training run. */
export interface LocalOnlyOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** names the shuffling stream, so each site's baseline shuffles independently */
  site: string;
  /**
   * the budget in mini-batch steps instead of `epochs` (e.g. the steps the site takes in the
   * federated run, so both get the same number of updates of the same batch size)
   */
  steps?: number;
  earlyStopping?: EarlyStoppingOptions;
}

/**
 * FLamby's `NUM_EPOCHS_POOLED`, `BATCH_SIZE` and `LR` with `torch.optim.Adam`.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_tcga_brca/common.py
 * @see https://github.com/owkin/FLamby/blob/main/flamby/datasets/fed_heart_disease/common.py
 */
export const FLAMBY_LOCAL_TRAINING = {
  'tcga-brca': { epochs: 30, batchSize: 8, learningRate: 0.1 },
  heart: { epochs: 50, batchSize: 4, learningRate: 0.001 },
} as const;

/** Trains from `initial` on `data` alone with Adam (Kingma & Ba 2015) and returns the final weights. */
export function trainLocalOnly(model: FederatedModel, initial: Float64Array, data: SiteData, options: LocalOnlyOptions): Float64Array {
  checkLength(model, initial);
  checkData(data, model.task, model.features);
  const { epochs, learningRate } = options;
  if (!Number.isSafeInteger(epochs) || epochs < 0) throw badInput(`epochs must be a whole number ≥ 0, got ${epochs}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw badInput(`learning rate must be a finite number > 0, got ${learningRate}`);
  if (options.steps !== undefined && (!Number.isSafeInteger(options.steps) || options.steps < 0)) throw badInput(`steps must be a whole number ≥ 0, got ${options.steps}`);
  if (!options.earlyStopping) return adamSteps(model, initial, data, options, budget(data.rows, options)).weights;
  const { fit, held } = stratifiedHoldout(data, options.earlyStopping.validationFraction, new Rng(options.seed, `local-only/${options.site}/holdout`));
  const stopAt = bestStep(model, initial, selectRows(data, fit), selectRows(data, held), options);
  return adamSteps(model, initial, data, options, stopAt).weights;
}

/**
 * The step count, among 0, every full pass over `fit` and the budget, at which the loss on `held`
 * is lowest (the earliest on a tie): FLamby's loss, so it is defined on a handful of rows where a
 * C-index or an accuracy would be all ties.
 */
export function bestStep(model: FederatedModel, initial: Float64Array, fit: SiteData, held: SiteData, options: LocalOnlyOptions): number {
  const steps = budget(fit.rows, options);
  const perPass = Math.ceil(fit.rows / options.batchSize);
  let best = { step: 0, loss: lossAndGradient(model, initial, held).loss };
  adamSteps(model, initial, fit, options, steps, (step, w) => {
    if (step % perPass !== 0 && step !== steps) return;
    const loss = lossAndGradient(model, w, held).loss;
    if (loss < best.loss) best = { step, loss };
  });
  return best.step;
}

/**
 * A seeded, stratified split of the rows: in each stratum (label, or event flag) round(fraction·n)
 * rows are held out, at least one whenever the stratum has two or more, so a survival site with
 * two events still has an event to validate on.
 */
export function stratifiedHoldout(data: SiteData, fraction: number, rng: Rng): { fit: number[]; held: number[] } {
  if (!(fraction > 0 && fraction < 1)) throw badInput(`validation fraction must be in (0, 1), got ${fraction}`);
  const key = data.labels.kind === 'binary' ? data.labels.y : data.labels.event;
  const fit: number[] = [];
  const held: number[] = [];
  for (const value of [0, 1]) {
    const rows = Array.from({ length: data.rows }, (_, i) => i).filter((i) => (key[i] ? 1 : 0) === value);
    const order = permutation(rows.length, rng.fork(`stratum-${value}`)).map((i) => rows[i]!);
    const n = rows.length >= 2 ? Math.max(1, Math.round(fraction * rows.length)) : 0;
    held.push(...order.slice(0, n));
    fit.push(...order.slice(n));
  }
  if (fit.length === 0) throw badInput('nothing left to train on after holding out the validation rows');
  return { fit: fit.sort((a, b) => a - b), held: held.sort((a, b) => a - b) };
}

function budget(rows: number, options: LocalOnlyOptions): number {
  return options.steps ?? options.epochs * Math.ceil(rows / options.batchSize);
}

function adamSteps(
  model: FederatedModel,
  initial: Float64Array,
  data: SiteData,
  options: LocalOnlyOptions,
  steps: number,
  after?: (step: number, weights: Float64Array) => void,
): { weights: Float64Array } {
  // One flat tensor, so the engine's Adam (PyTorch's update rule, bias-corrected) steps it in place.
  const parameters = { flat: tensor([initial.length], initial) };
  const optimiser = adam({ learningRate: options.learningRate });
  const loader = new CyclingLoader(data.rows, options.batchSize, new Rng(options.seed, `local-only/${options.site}`));
  for (let s = 1; s <= steps; s++) {
    const { gradient } = batchGradient(model, parameters.flat.data, data, loader.next());
    optimiser.step(parameters, new Map([['flat', tensor([gradient.length], gradient)]]));
    after?.(s, parameters.flat.data);
  }
  return { weights: parameters.flat.data };
}
