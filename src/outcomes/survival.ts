/**
 * Progression-free and overall survival of each recorded line of therapy, in days from the line's
 * start, with an event flag (1 observed, 0 censored). mCODE has no survival profile: PFS and OS are
 * derived from the dated disease status and the date of death (mCODE STU4 "Outcomes",
 * https://hl7.org/fhir/us/mcode/group-outcome.html). The censoring rules are the usual ones for
 * PFS (FDA, Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics, 2018, table of
 * PFS censoring):
 *
 * - PFS ends at the line's progression (its progression date, or a PD best response's date), or at
 *   death, whichever comes first: an event. A later line starting first censors it at that start,
 *   since what follows belongs to the new therapy. With none of these, it is censored at the last
 *   date the patient was known to be alive.
 * - OS ends at death (an event), or is censored at the last date known alive.
 * - The last date known alive is the latest date of any of the patient's recorded outcomes (starts,
 *   assessments, progressions, follow-ups), so one line's follow-up extends every earlier line.
 *
 * Dates are whole days (outcome-labels.ts's `dayNumber`), so the arithmetic is calendar days.
 */
import { dayNumber } from '../federation/site-data/outcome-labels.ts';
import type { RecistCategory } from './outcome-input.ts';

/** The reported dates of one line. */
export interface LineTimeline {
  line: number;
  startDate: string;
  bestResponse?: { category: RecistCategory; date: string };
  progressionDate?: string;
  lastFollowUp?: string;
}

/** Days from the line's start, and whether the end is an event (1) or censoring (0). */
export interface SurvivalLabel {
  days: number;
  event: 0 | 1;
}

/** A line's progression-free and overall survival. */
export interface LineSurvival {
  line: number;
  pfs: SurvivalLabel;
  os: SurvivalLabel;
}

const day = (d: string) => dayNumber(d) as number;

/** The line's progression day: the stated date, else a PD best response's date. */
export function progressionDay(t: LineTimeline): number | undefined {
  if (t.progressionDate) return day(t.progressionDate);
  return t.bestResponse?.category === 'PD' ? day(t.bestResponse.date) : undefined;
}

/** 1 for CR or PR (an objective response under RECIST 1.1), 0 for SD or PD. */
export function responseLabel(category: RecistCategory | undefined): 0 | 1 | undefined {
  if (category === undefined) return undefined;
  return category === 'CR' || category === 'PR' ? 1 : 0;
}

/** PFS and OS of each line, given all the patient's recorded lines and the date of death, if any. */
export function deriveSurvival(lines: readonly LineTimeline[], death?: string): LineSurvival[] {
  const deathDay = death === undefined ? undefined : day(death);
  const dates = lines.flatMap((t) => [t.startDate, t.bestResponse?.date, t.progressionDate, t.lastFollowUp]).filter((d): d is string => d !== undefined);
  const lastKnown = Math.max(...dates.map(day));
  return lines.map((t) => {
    const start = day(t.startDate);
    const laterStarts = lines.filter((o) => o.line > t.line && day(o.startDate) > start).map((o) => day(o.startDate));
    const nextStart = laterStarts.length > 0 ? Math.min(...laterStarts) : Infinity;
    const progression = progressionDay(t);
    const firstEvent = Math.min(progression ?? Infinity, deathDay ?? Infinity);
    const pfs: SurvivalLabel =
      firstEvent < Infinity && firstEvent <= nextStart
        ? { days: firstEvent - start, event: 1 }
        : { days: Math.min(nextStart, Math.max(lastKnown, start)) - start, event: 0 };
    const os: SurvivalLabel = deathDay !== undefined ? { days: deathDay - start, event: 1 } : { days: Math.max(lastKnown, start) - start, event: 0 };
    return { line: t.line, pfs, os };
  });
}
