/**
 * Training labels read from a patient's record.
 *
 * Overall survival: days from the primary cancer's diagnosis to death (Patient.deceasedDateTime),
 * or, for a patient not known to have died, to the last contact: the latest date the record holds
 * (observations, disease status, medication starts and ends) up to the round's start, since a date
 * after it is a plan, not a contact.
 *
 * Response: each line of therapy (medications sharing a line-of-therapy number) is matched to a
 * regimen of the response model's formulary by its RxNorm ingredients, and labelled by the best
 * mCODE cancer disease status (LOINC 97509-4) recorded from eight weeks after the line started
 * until the next line started: `improved` or `remission` is a response, `stable`, `worsened` or
 * `relapse` is not. Eight weeks is the earliest usual response assessment (RECIST 1.1 asks for
 * imaging every 6-8 weeks); a status before it is not an assessment of the line. A line with no
 * assessed status has no label.
 */
import type { ClinicalSummary, DiseaseTrend } from '../../clinical/mcode/types.ts';
import { REGIMENS } from '../../cohort/therapies.ts';
import type { ResponseRegimen } from '../../features/response-schema.ts';

const DAY_MS = 86_400_000;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Days after a line starts before a disease status counts as its response assessment. */
export const MIN_ASSESSMENT_DAYS = 56;

/** A date or dateTime as a whole day number (the calendar date as written). */
export function dayNumber(date: string | undefined): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date ?? '');
  if (!m) return undefined;
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
}

export type SurvivalOutcome = { time: number; event: 0 | 1 } | { missing: string };

/** Overall survival from diagnosis, or why the record cannot say. */
export function survivalOutcome(summary: ClinicalSummary, asOf: Date): SurvivalOutcome {
  const diagnosis = dayNumber(summary.primaryCancer?.diagnosisDate);
  if (diagnosis === undefined) return { missing: 'no diagnosis date on the primary cancer' };
  if (summary.deceased?.value) {
    const death = dayNumber(summary.deceasedDate?.value);
    if (death === undefined) return { missing: 'deceased without a date of death' };
    return death < diagnosis ? { missing: 'death recorded before diagnosis' } : { time: death - diagnosis, event: 1 };
  }
  const limit = Math.floor(asOf.getTime() / DAY_MS);
  const dates = [
    summary.primaryCancer?.diagnosisDate,
    ...summary.diseaseStatus.map((d) => d.date),
    ...summary.tumorMarkers.map((m) => m.date),
    ...summary.variants.map((v) => v.date),
    ...[summary.staging.group, summary.staging.t, summary.staging.n, summary.staging.m].map((s) => s?.date),
    summary.ecog?.date,
    summary.karnofsky?.date,
    ...summary.medications.flatMap((m) => [m.start, m.end]),
  ]
    .map(dayNumber)
    .filter((d): d is number => d !== undefined && d <= limit);
  const last = Math.max(diagnosis, ...dates);
  return { time: last - diagnosis, event: 0 };
}

const RESPONDED: ReadonlySet<DiseaseTrend> = new Set(['improved', 'remission']);
const NOT_RESPONDED: ReadonlySet<DiseaseTrend> = new Set(['stable', 'worsened', 'relapse']);

/** The formulary regimen whose ingredients are exactly these RxNorm codes. */
function regimenOf(rxnorm: ReadonlySet<string>): ResponseRegimen | undefined {
  for (const r of REGIMENS.values()) {
    if (r.drugs.length === rxnorm.size && r.drugs.every((d) => rxnorm.has(d.rxnorm))) return r.id;
  }
  return undefined;
}

export interface LineOutcome {
  line: number;
  /** the formulary regimen, when the line's drugs are one */
  regimen?: ResponseRegimen;
  /** 1 responded, 0 did not; absent when no assessment was recorded */
  label?: 0 | 1;
}

/** Each numbered line of therapy with its regimen and response label, in line order. */
export function responseOutcomes(summary: ClinicalSummary): LineOutcome[] {
  const lines = new Map<number, { rxnorm: Set<string>; start?: number }>();
  for (const m of summary.medications) {
    if (m.line === undefined) continue;
    const entry = lines.get(m.line) ?? { rxnorm: new Set<string>() };
    for (const c of m.codes) if (c.system === RXNORM && c.code) entry.rxnorm.add(c.code);
    const start = dayNumber(m.start);
    if (start !== undefined) entry.start = Math.min(entry.start ?? start, start);
    lines.set(m.line, entry);
  }
  const ordered = [...lines.entries()].sort(([a], [b]) => a - b);
  const statuses = summary.diseaseStatus.flatMap((d) => {
    const day = dayNumber(d.date);
    return day === undefined ? [] : [{ day, trend: d.trend }];
  });
  return ordered.map(([line, { rxnorm, start }], k) => {
    const regimen = regimenOf(rxnorm);
    const out: LineOutcome = { line, ...(regimen ? { regimen } : {}) };
    if (start === undefined) return out;
    const laterStarts = ordered.slice(k + 1).map(([, l]) => l.start).filter((s): s is number => s !== undefined);
    const end = laterStarts.length > 0 ? Math.min(...laterStarts) : Infinity;
    const assessed = statuses.filter((s) => s.day >= start + MIN_ASSESSMENT_DAYS && s.day < end);
    if (assessed.some((s) => RESPONDED.has(s.trend))) out.label = 1;
    else if (assessed.some((s) => NOT_RESPONDED.has(s.trend))) out.label = 0;
    return out;
  });
}
