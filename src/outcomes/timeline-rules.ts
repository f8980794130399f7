/**
 * Whether a reported outcome is a possible timeline. Each broken rule is an issue located at the
 * later of the two dates it compares, so the client can point at the field to correct:
 *
 * - no date lies in the future (after `today`);
 * - a response is assessed after the therapy started (RECIST 1.1 compares against a baseline
 *   taken before treatment: an assessment on or before the first day assesses nothing);
 * - progression is not before the therapy started;
 * - a CR, PR or SD best response is assessed no later than progression: RECIST 1.1's best overall
 *   response is the best response recorded from the start of treatment until progression;
 * - a PD best response is the progression, so a progression date after it contradicts it;
 * - nothing happens after death: neither the start, the assessment, progression nor follow-up
 *   (against the reported death, or the death already in the record);
 * - the last follow-up is not before any event it follows (start, assessment, progression).
 *
 * Warnings do not stop the record: an assessment in the first eight weeks (site-data does not use
 * it as the line's response label), a therapy starting before the recorded diagnosis.
 */
import type { InputIssue } from '../errors/domain-error.ts';
import { dayNumber, MIN_ASSESSMENT_DAYS } from '../federation/site-data/outcome-labels.ts';
import type { OutcomeInput } from './outcome-input.ts';

export interface TimelineContext {
  /** today's date (YYYY-MM-DD) at the site */
  today: string;
  /** Patient.deceasedDateTime already in the record, when there is one */
  recordedDeath?: string;
  /** the primary cancer's diagnosis date in the record */
  diagnosisDate?: string;
}

export interface TimelineCheck {
  issues: InputIssue[];
  warnings: InputIssue[];
}

interface Event {
  expression: string;
  label: string;
  date: string;
}

const day = (d: string) => dayNumber(d) as number;

/** The dated events of an input, in the order a clinician reads them. */
function eventsOf(input: OutcomeInput): Event[] {
  const out: Event[] = [{ expression: 'startDate', label: 'the therapy start', date: input.startDate }];
  if (input.bestResponse) out.push({ expression: 'bestResponse.date', label: `the ${input.bestResponse.category} assessment`, date: input.bestResponse.date });
  if (input.progressionDate) out.push({ expression: 'progressionDate', label: 'progression', date: input.progressionDate });
  if (input.lastFollowUp) out.push({ expression: 'lastFollowUp', label: 'the last follow-up', date: input.lastFollowUp });
  return out;
}

/** Checks the timeline rules above; the input's dates are already valid calendar dates. */
export function checkTimeline(input: OutcomeInput, context: TimelineContext): TimelineCheck {
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const events = eventsOf(input);
  const start = day(input.startDate);
  const today = day(context.today);

  for (const e of [...events, ...(input.death ? [{ expression: 'death.date', label: 'death', date: input.death.date }] : [])]) {
    if (day(e.date) > today) issues.push({ expression: e.expression, message: `${e.date} is in the future (today is ${context.today})` });
  }
  const response = input.bestResponse;
  if (response && day(response.date) <= start) {
    issues.push({ expression: 'bestResponse.date', message: `the response was assessed on ${response.date}, not after the therapy started on ${input.startDate}` });
  }
  if (input.progressionDate && day(input.progressionDate) < start) {
    issues.push({ expression: 'progressionDate', message: `progression on ${input.progressionDate} is before the therapy started on ${input.startDate}` });
  }
  if (response && input.progressionDate) {
    if (response.category !== 'PD' && day(response.date) > day(input.progressionDate)) {
      issues.push({
        expression: 'bestResponse.date',
        message: `a best response of ${response.category} on ${response.date} is after progression on ${input.progressionDate}; RECIST 1.1 takes the best response before progression`,
      });
    }
    if (response.category === 'PD' && day(input.progressionDate) > day(response.date)) {
      issues.push({ expression: 'progressionDate', message: `the best response is PD on ${response.date}, so progression cannot first be documented later, on ${input.progressionDate}` });
    }
  }
  const deaths = [
    ...(input.death ? [{ date: input.death.date, what: 'death' }] : []),
    ...(context.recordedDeath && !input.death ? [{ date: context.recordedDeath.slice(0, 10), what: "the death in the patient's record" }] : []),
  ];
  for (const death of deaths) {
    for (const e of events) {
      if (day(e.date) > day(death.date)) issues.push({ expression: e.expression, message: `${e.label} on ${e.date} is after ${death.what} on ${death.date}` });
    }
  }
  if (input.lastFollowUp) {
    for (const e of events.filter((x) => x.expression !== 'lastFollowUp')) {
      if (day(input.lastFollowUp) < day(e.date)) issues.push({ expression: 'lastFollowUp', message: `the last follow-up on ${input.lastFollowUp} is before ${e.label} on ${e.date}` });
    }
  }

  if (response && day(response.date) > start && day(response.date) < start + MIN_ASSESSMENT_DAYS) {
    warnings.push({
      expression: 'bestResponse.date',
      message: `assessed ${day(response.date) - start} days after the start; site training reads a line's response from ${MIN_ASSESSMENT_DAYS} days on, so this line stays unlabelled there`,
    });
  }
  const diagnosis = dayNumber(context.diagnosisDate);
  if (diagnosis !== undefined && start < diagnosis) {
    warnings.push({ expression: 'startDate', message: `the therapy started before the recorded diagnosis (${context.diagnosisDate})` });
  }
  return { issues, warnings };
}
