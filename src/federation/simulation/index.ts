/** Federated training simulated in one process, and the coordinator loop an HTTP transport can reuse. */
export { simulateFederation, type SimulateDependencies, type SimulationResult, type SiteResult } from './simulate.ts';
export { DEFAULT_SEED, resolveOptions, SimulateFederationOptionsSchema, type ResolvedOptions, type SimulateFederationOptions } from './simulation-options.ts';
export { DATASET_DEFAULTS, SECAGG_GRID, type DatasetDefaults, type DpDefaults, type StrategyRates } from './defaults.ts';
export {
  FEDERATED_DATASETS,
  loadFederatedDataset,
  pooledTestSet,
  VALIDATION_SPLIT,
  withValidationSplit,
  type FederatedDataset,
  type FederatedDatasetName,
  type FederatedSite,
  type MetricName,
} from './federated-datasets.ts';
export { buildSyntheticSites, SYNTHETIC_TASK } from './synthetic-task.ts';
export { evaluateModel } from './evaluate.ts';
export { runRounds, type Exclusion, type RoundPlan, type RoundsResult } from './run-rounds.ts';
export { InProcessTransport, SiteParticipant } from './in-process-transport.ts';
export { secureWeightedSum, type SecureInput, type WeightedSum } from './secure-sum.ts';
export type { FederationTransport, RoundRequest, SecureRoundOptions, SecureSum } from './transport.ts';
