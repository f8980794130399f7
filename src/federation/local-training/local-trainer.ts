/**
 * One site's share of a federated round, as FLamby's clients run it (`strategies/utils.py`,
 * `_Model._local_train` and `_prox_local_train`): start from the global weights, take `localSteps`
 * plain SGD steps on mini-batches from the endlessly cycling loader, adding μ·(w − w_global) to each
 * gradient when μ > 0 (FedProx, Li et al. 2020), and send back Δ = w − w_global with the number of
 * training rows (FedAvg's weight).
 *
 * With `dp`, each step is DP-SGD instead (Abadi et al. 2016, Algorithm 1): a Poisson sample at
 * rate q, per-example gradients clipped to C, Gaussian noise σ·C, divided by the expected batch q·n;
 * the update reports exactly the steps taken at (q, σ) so the coordinator's accountant charges them
 * all. The proximal term reads no patient data, so it is added after the noise.
 *
 * With `l2` = λ > 0 each step's gradient also gets λ·w at the weights (not the biases), the
 * gradient of an L2 penalty (λ/2)‖w‖² on the local objective (`weight-decay.ts`). Under DP-SGD it
 * too is added after clipping and noising: it depends on w alone, never on a patient's row, so the
 * per-example sensitivity C, the sampling rate q and σ are unchanged and the accountant's ε is
 * the same (post-processing of the privatised gradient, Dwork & Roth 2014, Prop. 2.1).
 * λ = 0 (the default) skips the term, so such a round is bit for bit what it was without it.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/utils.py
 * @see https://arxiv.org/abs/1607.00133
 */
import { z } from 'zod';
import { badInput } from '../../errors/domain-error.ts';
import { Rng } from '../../random/rng.ts';
import { poissonSample, privateGradient } from '../privacy/dp-sgd.ts';
import { addProximalGradient } from '../strategies/fed-prox.ts';
import { CyclingLoader } from './cycling-loader.ts';
import { checkLength, parameterCount, type FederatedModel } from './federated-model.ts';
import { batchGradient, perExampleGradients } from './gradients.ts';
import { checkData, type SiteData } from './site-data.ts';
import { addWeightDecayGradient, penalisedCoordinates } from './weight-decay.ts';

/** The most local steps one round may ask for; a guard against a coordinator typo, not a tuning limit. */
export const MAX_LOCAL_STEPS = 100_000;

const positive = z.number().positive().refine(Number.isFinite, 'must be finite');

/** DP-SGD settings of one round at one site. */
export const DpStepConfigSchema = z.strictObject({
  /** σ: noise standard deviation over the clipping norm */
  noiseMultiplier: z.number().min(0).refine(Number.isFinite, 'must be finite'),
  /** C: each example's gradient is clipped to this L2 norm */
  clipNorm: positive,
  /** q: each training row joins a step's batch with this probability */
  sampleRate: z.number().gt(0).max(1),
});
/** A parsed DP-SGD setting. */
export type DpStepConfig = z.infer<typeof DpStepConfigSchema>;

/** What the coordinator asks a site to do in one round. */
export const LocalRoundConfigSchema = z.strictObject({
  localSteps: z.number().int().min(1).max(MAX_LOCAL_STEPS),
  batchSize: z.number().int().min(1),
  learningRate: positive,
  /** FedProx proximal weight; 0 turns the term off */
  mu: z.number().min(0).refine(Number.isFinite, 'must be finite').default(0),
  /** L2 penalty λ on the weights (weight decay); 0 turns it off */
  l2: z.number().min(0).refine(Number.isFinite, 'must be finite').default(0),
  dp: DpStepConfigSchema.optional(),
});
/** A round configuration as a coordinator writes it (μ and λ may be left out). */
export type LocalRoundConfig = z.input<typeof LocalRoundConfigSchema>;

/** Parses a round configuration received from a coordinator; a bad one is BAD_INPUT naming each field. */
export function parseLocalRoundConfig(input: unknown): z.output<typeof LocalRoundConfigSchema> {
  const parsed = LocalRoundConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ expression: ['round', ...i.path.map(String)].join('.'), message: i.message }));
  throw badInput(`invalid local round configuration: ${issues.map((i) => `${i.expression}: ${i.message}`).join('; ')}`, issues);
}

/** The DP-SGD steps a round took, for the privacy accountant. */
export interface PrivacyReport {
  sampleRate: number;
  noiseMultiplier: number;
  steps: number;
}

/**
 * What a site sends back: its delta, its weight, and what its data spent; nothing else computed
 * from its rows (no loss, no metric), so the update is all a coordinator learns.
 */
export interface LocalUpdate {
  /** w_local − w_global in the model's flat order */
  delta: Float64Array;
  /** training rows at the site (the weight FedAvg gives it) */
  numExamples: number;
  steps: number;
  /** set exactly when the round ran DP-SGD */
  privacy: PrivacyReport | undefined;
}

/**
 * Where the site's randomness comes from. Streams are forked per site and per round, so sites and
 * rounds never share draws and a run is reproducible from `seed`. A real site must keep its seed
 * secret: whoever knows it can regenerate the DP noise and subtract it.
 */
export interface LocalTrainingContext {
  seed: number;
  site: string;
  round: number;
  /** batches this site drew in earlier rounds: FLamby's loader keeps its place between rounds */
  loaderPosition?: number;
}

/** Runs one round of local training from `globalWeights` and returns the update. */
export function trainLocally(
  model: FederatedModel,
  globalWeights: Float64Array,
  data: SiteData,
  config: LocalRoundConfig,
  context: LocalTrainingContext,
): LocalUpdate {
  const round = parseLocalRoundConfig(config);
  checkLength(model, globalWeights);
  checkData(data, model.task, model.features);
  if (round.dp && model.task === 'survival') {
    throw badInput(
      'differential privacy is refused for survival models: the Cox partial likelihood couples every patient of a risk set, ' +
        'so one patient has no per-example gradient to clip and DP-SGD\'s sensitivity bound does not hold',
    );
  }
  const site = new Rng(context.seed, `local-training/${context.site}`);
  const w = Float64Array.from(globalWeights);
  const decay = round.l2 > 0 ? penalisedCoordinates(model) : undefined;
  if (round.dp) {
    const { sampleRate: q, noiseMultiplier, clipNorm } = round.dp;
    const sampling = site.fork(`round-${context.round}/poisson`);
    const noise = site.fork(`round-${context.round}/noise`);
    const dimension = parameterCount(model);
    for (let s = 0; s < round.localSteps; s++) {
      const batch = poissonSample(data.rows, q, sampling);
      const g = privateGradient(perExampleGradients(model, w, data, batch), dimension, { clipNorm, noiseMultiplier, expectedBatchSize: q * data.rows }, noise);
      if (round.mu > 0) addProximalGradient(g, w, globalWeights, round.mu);
      if (decay) addWeightDecayGradient(g, w, decay, round.l2);
      for (let j = 0; j < w.length; j++) w[j]! -= round.learningRate * g[j]!;
    }
  } else {
    const loader = new CyclingLoader(data.rows, round.batchSize, site.fork('loader'), context.loaderPosition ?? 0);
    for (let s = 0; s < round.localSteps; s++) {
      const { gradient } = batchGradient(model, w, data, loader.next());
      if (round.mu > 0) addProximalGradient(gradient, w, globalWeights, round.mu);
      if (decay) addWeightDecayGradient(gradient, w, decay, round.l2);
      for (let j = 0; j < w.length; j++) w[j]! -= round.learningRate * gradient[j]!;
    }
  }
  const delta = new Float64Array(w.length);
  for (let j = 0; j < w.length; j++) delta[j] = w[j]! - globalWeights[j]!;
  return {
    delta,
    numExamples: data.rows,
    steps: round.localSteps,
    privacy: round.dp ? { sampleRate: round.dp.sampleRate, noiseMultiplier: round.dp.noiseMultiplier, steps: round.localSteps } : undefined,
  };
}
