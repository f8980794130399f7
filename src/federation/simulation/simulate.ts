/**
 * `simulateFederation`: a whole federated training run in one process, reported in the issue's
 * JSON shape. Sites train as FLamby's clients do (`local-training/`), the coordinator screens and
 * aggregates with the chosen strategy, optionally behind secure aggregation, and each site's DP
 * spending is accounted with the RDP accountant. The federated model and one Adam model per site
 * trained on that site alone (FLamby's "Local i") all start from the same initial weights and are
 * scored on every site's test set and on the pooled test set.
 * @see https://github.com/owkin/FLamby/blob/main/flamby/benchmarks/fed_benchmark.py
 */
import { badInput } from '../../errors/domain-error.ts';
import { initialWeights, parameterCount } from '../local-training/federated-model.ts';
import { trainLocalOnly } from '../local-training/local-only.ts';
import type { LocalRoundConfig } from '../local-training/local-trainer.ts';
import { noiseMultiplierFor } from '../privacy/rdp-accountant.ts';
import { createStrategy, parseStrategyConfig } from '../strategies/strategy-config.ts';
import { evaluateModel } from './evaluate.ts';
import { loadFederatedDataset, pooledTestSet, withValidationSplit, type FederatedDataset, type MetricName } from './federated-datasets.ts';
import { InProcessTransport, SiteParticipant } from './in-process-transport.ts';
import { checkHttpSimulation, runHttpRounds } from './http-rounds.ts';
import { runRounds, type Exclusion } from './run-rounds.ts';
import { resolveOptions, type ResolvedOptions, type SimulateFederationOptions } from './simulation-options.ts';

/** One site's line of the result. */
export interface SiteResult {
  site: string;
  /** the federated model on this site's test set */
  testMetric: number | null;
  /** the model trained on this site alone, on this site's test set */
  localOnlyTestMetric: number | null;
  /** ε spent at `dpDelta` by this site's data; null without DP (no guarantee at all) */
  epsilonSpent: number | null;
  /** the best of every site's local-only model on this site's test set, and whose it was */
  bestLocalOnlyTestMetric: number | null;
  bestLocalOnlySite: string;
  trainExamples: number;
  testExamples: number;
  /** DP noise multiplier σ and sampling rate q this site ran with */
  noiseMultiplier?: number;
  sampleRate?: number;
}

/** The JSON plus what a reader needs to interpret it. */
export interface SimulationResult {
  dataset: string;
  strategy: string;
  seed: number;
  pooledTestMetric: number | null;
  sites: SiteResult[];
  rounds: number;
  wallSeconds: number;
  metric: MetricName;
  /** 'test' for reported figures, 'validation' when settings are being chosen */
  evaluatedOn: 'test' | 'validation';
  options: ResolvedOptions;
  exclusions: Exclusion[];
  /** the federated model: its family and the final weights in its flat order */
  model: { name: string; parameters: number[] };
  notes: string[];
}

/** Injected pieces: a preloaded dataset saves reading (or generating) it again in a sweep. */
export interface SimulateDependencies {
  dataset?: FederatedDataset;
}

// JSON has no NaN: an undefined metric (e.g. no comparable pair) is written as null.
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Runs one federated simulation; `options.dataset` alone gives that dataset's reported figures. */
export async function simulateFederation(options: SimulateFederationOptions, deps: SimulateDependencies = {}): Promise<SimulationResult> {
  const started = performance.now();
  const opts = resolveOptions(options);
  const loaded = deps.dataset ?? loadFederatedDataset(opts.dataset);
  if (loaded.name !== opts.dataset) throw badInput(`the preloaded dataset is ${loaded.name}, the options ask for ${opts.dataset}`);
  const dataset = opts.evaluateOn === 'validation' ? withValidationSplit(loaded, opts.validationFold) : loaded;
  const { model, metric, sites } = dataset;
  const init = opts.init === 'zeros' ? new Float64Array(parameterCount(model)) : initialWeights(model, opts.seed);
  const strategy = createStrategy(parseStrategyConfig(strategyConfig(opts)));

  const dp = opts.dp;
  const calibrated = new Map<string, { noiseMultiplier: number; sampleRate: number }>();
  if (dp) {
    for (const s of sites) {
      const sampleRate = Math.min(1, opts.batch / s.train.rows);
      // Calibrated for every step the site will take, so the ε it ends with is at most the target.
      calibrated.set(s.name, { sampleRate, noiseMultiplier: noiseMultiplierFor(dp.epsilon, dp.delta, sampleRate, opts.rounds * opts.localSteps) });
    }
  }
  const participants = sites.map((s) => new SiteParticipant(s.name, model, s.train, opts.seed));
  const runId = `${opts.dataset}-${opts.strategy}-${opts.seed}`;
  const registeredExamples = Object.fromEntries(sites.map((s) => [s.name, s.train.rows]));
  const configFor = (site: string): LocalRoundConfig => {
    const c = calibrated.get(site);
    return {
      localSteps: opts.localSteps,
      batchSize: opts.batch,
      learningRate: opts.lr,
      mu: opts.mu,
      l2: opts.l2,
      ...(c && dp ? { dp: { ...c, clipNorm: dp.clipNorm } } : {}),
    };
  };
  const secure = opts.secagg ? { clipRange: opts.secaggClipRange, quantRange: opts.secaggQuantRange } : undefined;
  if (opts.transport === 'http') checkHttpSimulation(opts);
  const federated =
    opts.transport === 'http'
      ? await runHttpRounds({ runId, lineageId: model.name, family: model.name, rounds: opts.rounds, initialWeights: init, strategy: parseStrategyConfig(strategyConfig(opts)), sites: participants, configFor, registeredExamples, ...(secure ? { secure } : {}) })
      : await runRounds(new InProcessTransport(participants), {
          runId,
          rounds: opts.rounds,
          initialWeights: init,
          strategy,
          registeredExamples,
          configFor,
          ...(secure ? { secure } : {}),
          ...(dp ? { privacyBudget: { epsilon: dp.epsilon, delta: dp.delta } } : {}),
        });

  const localModels = opts.baselines ? sites.map((s) => trainLocalOnly(model, init, s.train, { ...opts.localOnly, seed: opts.seed, site: s.name })) : [];
  const results: SiteResult[] = sites.map((s) => {
    const local = localModels.map((w) => evaluateModel(model, w, s.test, metric));
    let best = -1;
    local.forEach((m, j) => {
      if (Number.isFinite(m) && (best < 0 || m > local[best]!)) best = j;
    });
    const c = calibrated.get(s.name);
    return {
      site: s.name,
      testMetric: finiteOrNull(evaluateModel(model, federated.weights, s.test, metric)),
      localOnlyTestMetric: opts.baselines ? finiteOrNull(local[sites.indexOf(s)]!) : null,
      epsilonSpent: federated.ledgers.get(s.name)?.spent().epsilon ?? null,
      bestLocalOnlyTestMetric: best < 0 ? null : local[best]!,
      bestLocalOnlySite: best < 0 ? '' : sites[best]!.name,
      trainExamples: s.train.rows,
      testExamples: s.test.rows,
      ...(c ? { noiseMultiplier: c.noiseMultiplier, sampleRate: c.sampleRate } : {}),
    };
  });
  const pooled = pooledTestSet(dataset);
  return {
    dataset: opts.dataset,
    strategy: opts.strategy,
    seed: opts.seed,
    pooledTestMetric: finiteOrNull(evaluateModel(model, federated.weights, pooled, metric)),
    sites: results,
    rounds: opts.rounds,
    wallSeconds: (performance.now() - started) / 1000,
    metric,
    evaluatedOn: opts.evaluateOn,
    options: opts,
    exclusions: federated.exclusions,
    model: { name: model.name, parameters: Array.from(federated.weights) },
    notes: opts.notes,
  };
}

/** The strategy configuration the options ask for (`strategy-config.ts`). */
export function strategyConfig(opts: ResolvedOptions): Record<string, unknown> {
  const secureAggregation = opts.secagg;
  switch (opts.strategy) {
    case 'fedavg':
      return { name: 'fedavg', serverLr: opts.serverLr, secureAggregation };
    case 'fedprox':
      return { name: 'fedprox', mu: opts.mu, serverLr: opts.serverLr, secureAggregation };
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad':
      return { name: opts.strategy, serverLr: opts.serverLr, tau: opts.tau, secureAggregation };
    case 'median':
    case 'trimmed-mean':
      return { name: opts.strategy, secureAggregation };
  }
}
