/** Treatment outcomes (issue 7): recorded into the FHIR record and kept as training labels with PFS and OS. */
export { recordOutcome, type OutcomeServices, type RecordedOutcome } from './record-outcome.ts';
export { OutcomeInputSchema, parseOutcomeInput, RECIST_CATEGORIES, type OutcomeInput, type RecistCategory } from './outcome-input.ts';
export { readOutcomes, readPatientOutcomes, type OutcomeRow } from './outcome-store.ts';
export { deriveSurvival, responseLabel, type LineSurvival, type LineTimeline, type SurvivalLabel } from './survival.ts';
export { DISEASE_STATUS_CODE, FOLLOWED_SUGGESTION_URL, RECIST_VALUES } from './outcome-resources.ts';
