/**
 * The baselines federated training is measured against: a model trained on one site's rows alone
 * (FLamby's "Local i"), or on everyone's rows at once ("Pooled"). FLamby's `train_single_centric`
 * runs full epochs of a shuffled `DataLoader` (last batch short) with Adam, from the same initial
 * weights as the federated run. Its per-dataset settings (`datasets/<name>/common.py`) are exported
 * below. @see https://github.com/owkin/FLamby/blob/main/flamby/benchmarks/benchmark_utils.py
 */
import { badInput } from '../../errors/domain-error.ts';
import { adam } from '../../modeling/optimisers.ts';
import { tensor } from '../../modeling/tensor.ts';
import { Rng } from '../../random/rng.ts';
import { CyclingLoader } from './cycling-loader.ts';
import { checkLength, type FederatedModel } from './federated-model.ts';
import { batchGradient } from './gradients.ts';
import { checkData, type SiteData } from './site-data.ts';

/** Settings of a centralised (local or pooled) training run. */
export interface LocalOnlyOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** names the shuffling stream, so each site's baseline shuffles independently */
  site: string;
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
  const { epochs, batchSize, learningRate } = options;
  if (!Number.isSafeInteger(epochs) || epochs < 0) throw badInput(`epochs must be a whole number ≥ 0, got ${epochs}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw badInput(`learning rate must be a finite number > 0, got ${learningRate}`);
  // One flat tensor, so the engine's Adam (PyTorch's update rule, bias-corrected) steps it in place.
  const parameters = { flat: tensor([initial.length], initial) };
  const optimiser = adam({ learningRate });
  const loader = new CyclingLoader(data.rows, batchSize, new Rng(options.seed, `local-only/${options.site}`));
  const steps = epochs * loader.batchesPerPass;
  for (let s = 0; s < steps; s++) {
    const { gradient } = batchGradient(model, parameters.flat.data, data, loader.next());
    optimiser.step(parameters, new Map([['flat', tensor([gradient.length], gradient)]]));
  }
  return parameters.flat.data;
}
