/** Federation nodes as processes run them: a coordinator node, a site node, and what both start from. */
export { startCoordinatorNode, type CoordinatorNode, type CoordinatorNodeOptions } from './coordinator-node.ts';
export { loadOrCreateKeyFile, type KeyFile } from './key-file.ts';
export { advancePlan, parseRoundPlan, RoundPlanSchema, type PlanProgress, type RoundPlan } from './round-plan.ts';
export { createLineageFromModel, federatedModelFromCard, readShippedModel, siteTaskOf, weightsFromOnnx, type ShippedModel } from './lineage-model.ts';
export { createSiteTraining, type SiteTraining, type SiteTrainingServices } from './site-trainer.ts';
export { DEFAULT_TOLERANCE, startSiteNode, type SiteNode, type SiteNodeEvent, type SiteNodeOptions, type VersionEvent } from './site-node.ts';
