/**
 * Trial matching (issue 7): the registry (FHIR ResearchStudy + CTML-like eligibility), patient →
 * trials with three-valued criteria, trial → patients compiled to SQL with pseudonyms and
 * small-cell suppression, and the CodeX `ResearchStudy/$match` operation. What other folders use.
 */
export { createTrialService, type MatchingTrialsOptions, type TrialService, type TrialServiceOptions } from './trial-service.ts';
export { refreshPatientFeatures, readPatientFacts, writePatientFeatures } from './facts/feature-store.ts';
export { derivePatientFacts, type PatientFacts } from './facts/patient-facts.ts';
export { eligiblePatients, resolvePseudonym, MAX_PAGE_SIZE, type EligiblePatientsOptions, type EligiblePatientsPage } from './cohort/eligible-patients.ts';
export { deriveMatcherKey, type MatcherKey } from './cohort/pseudonyms.ts';
export { SMALL_CELL_THRESHOLD, type BreakdownCell, type ReleasedCount } from './cohort/representation.ts';
export { matchTrials, matchTrial, type CriterionResult, type MatchStatus, type TrialMatch } from './evaluate/match-trials.ts';
export { matchResearchStudies, MATCH_GRADE_URL, CRITERION_EXTENSION_URL, type MatchResearchStudiesOptions } from './fhir/match-research-studies.ts';
export { buildTrial, type TrialInput } from './registry/import-research-study.ts';
export { createDbTrialRegistry, createMemoryTrialRegistry, type TrialRegistryReader } from './registry/trial-registry.ts';
export { parseEligibilityDocument } from './eligibility/parse-eligibility.ts';
export type { Criterion, EligibilityNode, TrialDefinition, TriState } from './eligibility/types.ts';
