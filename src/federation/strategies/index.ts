/** Server-side aggregation strategies for federated rounds. */
export type { AggregateResult, RoundState, SiteUpdate, Strategy, StrategyName, SumStrategy } from './types.ts';
export { fedAvg, type FedAvgOptions } from './fed-avg.ts';
export { addProximalGradient, fedProx, proximalLoss, type FedProxOptions } from './fed-prox.ts';
export { fedAdagrad, fedAdam, fedYogi, type FedOptName, type FedOptOptions, type FedOptState } from './fed-opt.ts';
export { fedMedian, fedTrimmedMean, type TrimmedMeanOptions } from './robust.ts';
export { createStrategy, parseStrategyConfig, secureAggregationRefusal, StrategyConfigSchema, type StrategyConfig } from './strategy-config.ts';
export { screenUpdates, UpdateRejection, validateUpdate, type ScreenedUpdates, type ValidateUpdateOptions } from './validate-update.ts';
export { deltaOf, sumWeightedDeltas } from './weighted-sum.ts';
