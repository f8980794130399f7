import { buildEquityReport, type EquityOptions, type EquityServices } from './build-equity-report.ts';

export interface EquityService {
  /** The site's equity report (see buildEquityReport). */
  report(options: EquityOptions): ReturnType<typeof buildEquityReport>;
}

/** The equity-report service of a site. */
export function createEquityService(services: EquityServices): EquityService {
  return { report: (options) => buildEquityReport(services, options) };
}
