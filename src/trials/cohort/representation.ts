/**
 * Small-cell suppression and the representation breakdown. Any count from 1 to 10 is shown as
 * "<11", the threshold CMS's cell-size suppression policy uses for released aggregates
 * (https://resdac.org/articles/cms-cell-size-suppression-policy). A breakdown also gets
 * complementary suppression: when a total is shown and only one cell of a dimension is hidden,
 * the next-smallest cell is hidden too (shown as "≥11"), so the small one cannot be recovered by
 * subtraction.
 */
import { yearsBefore } from '../evaluate/evaluate-criterion.ts';
import type { PatientFacts } from '../facts/patient-facts.ts';
import type { SqlParams } from './sql-params.ts';

export const SMALL_CELL_THRESHOLD = 11;

/** A count as released: `value` is null when suppressed, `display` is what a person reads. */
export interface ReleasedCount {
  value: number | null;
  display: string;
}

export function releaseCount(n: number, threshold = SMALL_CELL_THRESHOLD): ReleasedCount {
  return n > 0 && n < threshold ? { value: null, display: `<${threshold}` } : { value: n, display: String(n) };
}

export interface BreakdownCell {
  group: string;
  count: ReleasedCount;
}

/** Releases one dimension of a breakdown whose cells sum to `total`, with complementary suppression. */
export function releaseBreakdown(cells: readonly { group: string; n: number }[], total: number, threshold = SMALL_CELL_THRESHOLD): BreakdownCell[] {
  const small = new Set(cells.filter((c) => c.n > 0 && c.n < threshold).map((c) => c.group));
  const totalShown = !(total > 0 && total < threshold);
  let complement: string | undefined;
  if (totalShown && small.size === 1) {
    complement = cells.filter((c) => !small.has(c.group) && c.n > 0).sort((a, b) => a.n - b.n || a.group.localeCompare(b.group))[0]?.group;
  }
  return cells.map((c) => {
    if (small.has(c.group)) return { group: c.group, count: { value: null, display: `<${threshold}` } };
    // hidden only to protect the small cell: shown as the range it is known to lie in
    if (c.group === complement) return { group: c.group, count: { value: null, display: `≥${threshold}` } };
    return { group: c.group, count: { value: c.n, display: String(c.n) } };
  });
}

/** Age bands of the breakdown (years at the evaluation date); the lower bound of each. */
export const AGE_BANDS: readonly { label: string; from: number }[] = [
  { label: '0-17', from: 0 },
  { label: '18-39', from: 18 },
  { label: '40-49', from: 40 },
  { label: '50-59', from: 50 },
  { label: '60-69', from: 60 },
  { label: '70-79', from: 70 },
  { label: '80+', from: 80 },
];

export const UNKNOWN_GROUP = 'unknown';

/** The band of a birth-date range on `asOf`; `unknown` when the range spans two bands or is missing. */
export function ageBandOf(facts: Pick<PatientFacts, 'birthDate'>, asOf: string): string {
  const b = facts.birthDate;
  if (!b) return UNKNOWN_GROUP;
  for (let i = AGE_BANDS.length - 1; i >= 0; i--) {
    const band = AGE_BANDS[i] as { label: string; from: number };
    const next = AGE_BANDS[i + 1];
    const oldEnough = b.latest <= yearsBefore(asOf, band.from);
    const youngEnough = !next || b.earliest > yearsBefore(asOf, next.from);
    if (oldEnough && youngEnough) return band.label;
  }
  return UNKNOWN_GROUP;
}

/** The same banding as a SQL CASE over `f.birth_earliest` / `f.birth_latest`. */
export function ageBandSql(p: SqlParams, asOf: string): string {
  const cuts = AGE_BANDS.map((band) => p.add(yearsBefore(asOf, band.from), 'date'));
  const whens = AGE_BANDS.map((band, i) => {
    const tooYoungForNext = i + 1 < AGE_BANDS.length ? ` AND f.birth_earliest > ${cuts[i + 1]}` : '';
    return `WHEN f.birth_latest <= ${cuts[i]}${tooYoungForNext} THEN '${band.label}'`;
  });
  return `CASE ${whens.join(' ')} ELSE '${UNKNOWN_GROUP}' END`;
}
