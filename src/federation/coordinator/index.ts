/** The federation coordinator: rounds in PostgreSQL, the signed HTTP API, and its status. */
export { createCoordinator, type Coordinator, type CoordinatorOptions, type CreateLineageOptions } from './coordinator.ts';
export { createCoordinatorRouter, FEDERATION_API_PREFIX, type CoordinatorRouterOptions } from './router.ts';
export { coordinatorStatus, type CoordinatorStatus, type RoundStatus, type SiteStatus, type StatusOptions } from './status.ts';
export { OpenRoundOptionsSchema, type OpenRoundOptions } from './open-round.ts';
export { DEFAULT_MAX_CLOCK_SKEW_MS, type AuthenticatedRequest } from './authenticate.ts';
export type { Clock, RoundRow, RoundState } from './types.ts';
export type { BaseModel } from './version-export.ts';
