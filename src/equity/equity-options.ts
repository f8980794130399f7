import type { TrialService } from '../trials/trial-service.ts';
import type { EquityOptions } from './build-equity-report.ts';

/** The report's options as the API and the CLI ask for it: representation includes the trial-eligible. */
export function equityOptions(trials: Pick<TrialService, 'anyTrialEligible'>, asOf: Date, minSubgroupSize?: number): EquityOptions {
  return {
    asOf,
    trialEligible: () => trials.anyTrialEligible(asOf.toISOString().slice(0, 10)),
    ...(minSubgroupSize !== undefined ? { minSubgroupSize } : {}),
  };
}
