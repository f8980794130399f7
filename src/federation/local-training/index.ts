/** Site-side federated training: the model as a flat vector, FLamby-style local SGD and DP-SGD, and local-only baselines. */
export { initialWeights, linearCoxModel, logisticModel, parameterCount, parameterLayout, toFlat, toParameters, type FederatedModel, type ParameterSlot, type TaskKind } from './federated-model.ts';
export { binaryData, concatRows, selectRows, survivalData, type BinaryLabels, type SiteData, type SurvivalLabels } from './site-data.ts';
export { batchGradient, lossAndGradient, perExampleGradients, predictScores, type FlatGradient } from './gradients.ts';
export { CyclingLoader, permutation } from './cycling-loader.ts';
export {
  DpStepConfigSchema,
  LocalRoundConfigSchema,
  MAX_LOCAL_STEPS,
  parseLocalRoundConfig,
  trainLocally,
  type DpStepConfig,
  type LocalRoundConfig,
  type LocalTrainingContext,
  type LocalUpdate,
  type PrivacyReport,
} from './local-trainer.ts';
export { addWeightDecayGradient, penalisedCoordinates, weightDecayLoss } from './weight-decay.ts';
export { FLAMBY_LOCAL_TRAINING, trainLocalOnly, type LocalOnlyOptions } from './local-only.ts';
