/**
 * A site with nothing to train on for a round: no consented, labelled patients for the lineage's
 * task, or all of them held out. It is an expected state of a site, not a failure: the participant
 * declines the round with reason NO_DATA, so the coordinator stops waiting for it, instead of
 * retrying forever or submitting an update trained on nothing.
 */
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';

export class NoTrainingDataError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.CONFLICT, message);
    this.name = 'NoTrainingDataError';
  }
}

/** Throws that the site has nothing to train on; `message` gives counts or reasons, never patient data. */
export function noTrainingData(message: string): NoTrainingDataError {
  return new NoTrainingDataError(message);
}

/** Whether `err` says the site has no training data. */
export function isNoTrainingData(err: unknown): err is NoTrainingDataError {
  return err instanceof NoTrainingDataError;
}
