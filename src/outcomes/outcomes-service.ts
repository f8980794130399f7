import { recordOutcome, type OutcomeServices, type RecordedOutcome } from './record-outcome.ts';

export interface OutcomesService {
  /** Validates and records one line's outcome (see recordOutcome). */
  record(input: unknown): Promise<RecordedOutcome>;
}

/** The outcomes service of a site over its store. */
export function createOutcomesService(services: OutcomeServices): OutcomesService {
  return { record: (input) => recordOutcome(services, input) };
}
