/** A site's side of federated training: the participant, its trainer contract and its state store. */
export { createSiteParticipant, type FetchedVersion, type PollOutcome, type SiteParticipant, type SiteParticipantOptions } from './participant.ts';
export { createMemorySiteStore, type SiteRoundRecord, type SiteStore, type StoredVersion } from './site-store.ts';
export { createSqlSiteStore } from './sql-site-store.ts';
export { startPolling, type PollLoopOptions } from './poll-loop.ts';
export { isNoTrainingData, noTrainingData, NoTrainingDataError } from './no-training-data.ts';
export type { DataCheck, PrivacyPlanner, RoundWork, SiteTrainer, TrainedUpdate } from './types.ts';
