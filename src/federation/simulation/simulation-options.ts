/**
 * The options of `simulateFederation` (the `sangam federate simulate` flags), validated at the
 * edge and completed from the dataset's defaults (`defaults.ts`): an option left out takes the
 * value the reported figures were produced with.
 */
import { z } from 'zod';
import { badInput } from '../../errors/domain-error.ts';
import type { StrategyName } from '../strategies/types.ts';
import { DATASET_DEFAULTS, SECAGG_GRID } from './defaults.ts';
import { FEDERATED_DATASETS, type FederatedDatasetName } from './federated-datasets.ts';

const STRATEGIES = ['fedavg', 'fedprox', 'fedadagrad', 'fedadam', 'fedyogi', 'median', 'trimmed-mean'] as const satisfies readonly StrategyName[];
const positive = z.number().positive().refine(Number.isFinite, 'must be finite');

/** What a caller may set; everything but `dataset` has a per-dataset default. */
export const SimulateFederationOptionsSchema = z.strictObject({
  dataset: z.enum(FEDERATED_DATASETS),
  strategy: z.enum(STRATEGIES).optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  rounds: z.number().int().min(1).max(10_000).optional(),
  localSteps: z.number().int().min(1).max(100_000).optional(),
  batch: z.number().int().min(1).max(100_000).optional(),
  lr: positive.optional(),
  serverLr: positive.optional(),
  /** FedOpt's τ (adaptivity); FLamby's configs use 1e-8 */
  tau: positive.optional(),
  mu: z.number().min(0).refine(Number.isFinite, 'must be finite').optional(),
  /** L2 penalty λ (weight decay) on the weights in every site's local steps; 0 turns it off */
  l2: z.number().min(0).max(1e3).refine(Number.isFinite, 'must be finite').optional(),
  /** turns per-patient DP-SGD on at every site, with this ε target */
  dpEpsilon: positive.optional(),
  dpDelta: z.number().gt(0).lt(1).optional(),
  dpClipNorm: positive.optional(),
  secagg: z.boolean().optional(),
  /** 'pytorch': nn.Linear's U(±1/√fan_in), as FLamby starts; 'zeros': all weights 0 */
  init: z.enum(['pytorch', 'zeros']).optional(),
  /** 'validation' trains on 4 of 5 folds of each site's training rows and scores on the fifth */
  evaluateOn: z.enum(['test', 'validation']).optional(),
  /** which fold is held out when evaluateOn is 'validation' */
  validationFold: z.number().int().min(0).max(4).optional(),
  /** false skips the local-only baselines (their fields are then null), e.g. while sweeping settings */
  baselines: z.boolean().optional(),
  /** inproc: sites and coordinator loop in one process; http: a real coordinator and signed site participants over loopback HTTP */
  transport: z.enum(['inproc', 'http']).optional(),
});
/** The options as a caller writes them. */
export type SimulateFederationOptions = z.input<typeof SimulateFederationOptionsSchema>;

/** Every setting of a run, as used (it is echoed in the result). */
export interface ResolvedOptions {
  dataset: FederatedDatasetName;
  strategy: StrategyName;
  seed: number;
  rounds: number;
  localSteps: number;
  batch: number;
  lr: number;
  serverLr: number;
  tau: number;
  mu: number;
  /** L2 penalty λ of the local steps (`local-training/weight-decay.ts`) */
  l2: number;
  secagg: boolean;
  init: 'pytorch' | 'zeros';
  secaggClipRange: number;
  secaggQuantRange: number;
  dp: { epsilon: number; delta: number; clipNorm: number } | undefined;
  localOnly: { epochs: number; batchSize: number; learningRate: number };
  evaluateOn: 'test' | 'validation';
  validationFold: number;
  baselines: boolean;
  transport: 'inproc' | 'http';
  notes: string[];
}

/** τ of FLamby's FedOpt benchmark configs. */
export const FLAMBY_TAU = 1e-8;

/** The seed FLamby's benchmark starts its sweep from, used when none is given. */
export const DEFAULT_SEED = 42;

/** Validates `input` and fills every missing option from the dataset's defaults. */
export function resolveOptions(input: unknown): ResolvedOptions {
  const parsed = SimulateFederationOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ expression: ['options', ...i.path.map(String)].join('.'), message: i.message }));
    throw badInput(`invalid simulation options: ${issues.map((i) => `${i.expression}: ${i.message}`).join('; ')}`, issues);
  }
  const o = parsed.data;
  const d = DATASET_DEFAULTS[o.dataset];
  const strategy = o.strategy ?? d.strategy;
  const private_ = o.dpEpsilon !== undefined;
  if (!private_ && (o.dpDelta !== undefined || o.dpClipNorm !== undefined)) throw badInput('dpDelta and dpClipNorm need dpEpsilon');
  if (private_ && !d.dp) throw badInput(`dataset ${o.dataset} trains a survival model, and DP-SGD is refused for survival models`);
  const base = private_ && d.dp ? { ...d, ...d.dp, rates: { ...d.rates, ...d.dp.rates } } : d;
  const rates = base.rates[strategy];
  return {
    dataset: o.dataset,
    strategy,
    seed: o.seed ?? DEFAULT_SEED,
    rounds: o.rounds ?? base.rounds,
    localSteps: o.localSteps ?? base.localSteps,
    batch: o.batch ?? base.batch,
    lr: o.lr ?? rates.lr,
    serverLr: o.serverLr ?? rates.serverLr,
    tau: o.tau ?? rates.tau ?? FLAMBY_TAU,
    mu: o.mu ?? rates.mu ?? 0,
    l2: o.l2 ?? base.l2,
    secagg: o.secagg ?? false,
    init: o.init ?? base.init,
    secaggClipRange: SECAGG_GRID.clipRange,
    secaggQuantRange: SECAGG_GRID.quantRange,
    dp: private_ && d.dp ? { epsilon: o.dpEpsilon!, delta: o.dpDelta ?? d.dp.delta, clipNorm: o.dpClipNorm ?? d.dp.clipNorm } : undefined,
    localOnly: { ...d.localOnly },
    evaluateOn: o.evaluateOn ?? 'test',
    validationFold: o.validationFold ?? 0,
    baselines: o.baselines ?? true,
    transport: o.transport ?? 'inproc',
    notes: [d.provenance],
  };
}
