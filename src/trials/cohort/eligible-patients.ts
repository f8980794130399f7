/**
 * Trial → patients for trial matchers: the eligibility tree compiled to SQL over the projection,
 * returning pseudonyms (never record ids), the count with small cells suppressed, and who is
 * represented (population group, sex, age band), so that a cohort missing a group is visible.
 * Deceased patients are never listed. A patient is listed only when every criterion is MET; those
 * who might be eligible if their record said more are counted apart (`possible`), on request.
 */
import { badInput, notFound } from '../../errors/domain-error.ts';
import type { SqlClient } from '../../storage/port.ts';
import type { TrialDefinition } from '../eligibility/types.ts';
import { todayUtc } from '../evaluate/evaluate-criterion.ts';
import { compileNode, needsRecordReview } from './compile-sql.ts';
import { openCursor, pseudonymizer, sealCursor, type MatcherKey } from './pseudonyms.ts';
import { ageBandSql, AGE_BANDS, releaseBreakdown, releaseCount, SMALL_CELL_THRESHOLD, UNKNOWN_GROUP, type BreakdownCell, type ReleasedCount } from './representation.ts';
import { SqlParams } from './sql-params.ts';

export const MAX_PAGE_SIZE = 500;

export interface EligiblePatientsOptions {
  first: number;
  /** the `endCursor` of the previous page */
  after?: string;
  /** the site's secret for this trial matcher (see `pseudonyms.ts`) */
  matcherKey: MatcherKey;
  /** evaluation date for ages, YYYY-MM-DD; today (UTC) by default */
  asOf?: string;
  /** also count the patients whose record leaves the answer open (one more scan) */
  includePossible?: boolean;
}

export interface EligiblePatientsPage {
  trialId: string;
  asOf: string;
  /** pseudonyms of this page, in a stable order */
  patients: { pseudonym: string; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** eligible (every criterion MET), living patients */
  count: ReleasedCount;
  /**
   * true when the count is below the threshold: the ids are then withheld as well, since the
   * length of a list would give away the count that was suppressed
   */
  idsWithheld: boolean;
  /** patients for whom at least one criterion is UNKNOWN and none NOT_MET; when asked for */
  possible?: ReleasedCount;
  /** the trial has criteria SQL cannot answer (FHIRPath, unstructured): nobody can be listed as eligible */
  needsRecordReview: boolean;
  representation: { populationGroup: BreakdownCell[]; sex: BreakdownCell[]; ageBand: BreakdownCell[] };
}

interface GroupRow {
  gp: number;
  gs: number;
  ga: number;
  population_group: string | null;
  sex: string | null;
  age_band: string | null;
  n: number;
}

function order(groups: string[], fixed?: readonly string[]): string[] {
  const rank = (g: string) => (g === UNKNOWN_GROUP ? 2 : fixed && fixed.includes(g) ? 0 : 1);
  return groups.sort((a, b) => rank(a) - rank(b) || (fixed ? fixed.indexOf(a) - fixed.indexOf(b) : 0) || a.localeCompare(b));
}

/** One page of a trial's eligible patients, with the suppressed count and the representation breakdown. */
export async function eligiblePatients(db: SqlClient, trial: TrialDefinition | undefined, options: EligiblePatientsOptions): Promise<EligiblePatientsPage> {
  if (!trial) throw notFound('no such trial');
  if (!Number.isInteger(options.first) || options.first < 1 || options.first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, [{ expression: 'first', message: `got ${options.first}` }]);
  }
  const asOf = options.asOf ?? todayUtc();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw badInput('asOf must be a date (YYYY-MM-DD)', [{ expression: 'asOf', message: asOf }]);
  const pseudonym = pseudonymizer(options.matcherKey, trial.id);
  const after = options.after ? openCursor(options.matcherKey, trial.id, options.after) : undefined;

  // counts and breakdown: one scan, grouped by each dimension and in total
  const cp = new SqlParams();
  const cond = compileNode(trial.eligibility, cp, asOf);
  const band = ageBandSql(cp, asOf);
  const groupedSql = cp.bind(
    `SELECT GROUPING(g.population_group) AS gp, GROUPING(g.sex) AS gs, GROUPING(g.age_band) AS ga,
            g.population_group, g.sex, g.age_band, count(*)::int AS n
     FROM (SELECT coalesce(f.population_group, '${UNKNOWN_GROUP}') AS population_group, coalesce(f.sex, '${UNKNOWN_GROUP}') AS sex,
                  ${band} AS age_band
           FROM trial_patient_features f WHERE NOT f.deceased AND ${cond.met}) g
     GROUP BY GROUPING SETS ((), (g.population_group), (g.sex), (g.age_band))`,
  );
  const grouped = await db.query<GroupRow>(groupedSql.sql, groupedSql.values);
  const total = grouped.rows.find((r) => r.gp === 1 && r.gs === 1 && r.ga === 1)?.n ?? 0;
  const dimension = (pick: (r: GroupRow) => string | null, isSet: (r: GroupRow) => boolean, fixed?: readonly string[]) => {
    const cells = grouped.rows.filter(isSet).map((r) => ({ group: pick(r) ?? UNKNOWN_GROUP, n: r.n }));
    const sorted = order(cells.map((c) => c.group), fixed).map((g) => cells.find((c) => c.group === g) as { group: string; n: number });
    return releaseBreakdown(sorted, total);
  };
  const idsWithheld = total > 0 && total < SMALL_CELL_THRESHOLD;

  const patients: { pseudonym: string; cursor: string }[] = [];
  let hasNextPage = false;
  if (!idsWithheld && total > 0) {
    const pp = new SqlParams();
    const pageCond = compileNode(trial.eligibility, pp, asOf);
    const afterSql = after === undefined ? '' : ` AND f.patient_id > ${pp.add(after, 'text')}`;
    const limit = pp.add(options.first + 1, 'int4');
    const pageSql = pp.bind(`SELECT f.patient_id FROM trial_patient_features f WHERE NOT f.deceased AND ${pageCond.met}${afterSql} ORDER BY f.patient_id LIMIT ${limit}`);
    const page = await db.query<{ patient_id: string }>(pageSql.sql, pageSql.values);
    hasNextPage = page.rows.length > options.first;
    for (const r of page.rows.slice(0, options.first)) patients.push({ pseudonym: pseudonym(r.patient_id), cursor: sealCursor(options.matcherKey, trial.id, r.patient_id) });
  }

  let possible: ReleasedCount | undefined;
  if (options.includePossible) {
    const possibleSql = cp.bind(
      `SELECT count(*)::int AS n FROM trial_patient_features f WHERE NOT f.deceased AND (${cond.met}) IS NOT TRUE AND (${cond.notMet}) IS NOT TRUE`,
    );
    const res = await db.query<{ n: number }>(possibleSql.sql, possibleSql.values);
    possible = releaseCount(res.rows[0]?.n ?? 0);
  }

  return {
    trialId: trial.id,
    asOf,
    patients,
    pageInfo: { hasNextPage, endCursor: patients.at(-1)?.cursor ?? null },
    count: releaseCount(total),
    idsWithheld,
    needsRecordReview: needsRecordReview(trial.eligibility),
    representation: {
      populationGroup: dimension((r) => r.population_group, (r) => r.gp === 0),
      sex: dimension((r) => r.sex, (r) => r.gs === 0, ['female', 'male', 'other']),
      ageBand: dimension((r) => r.age_band, (r) => r.ga === 0, AGE_BANDS.map((b) => b.label)),
    },
    ...(possible ? { possible } : {}),
  };
}

/**
 * The record id behind a pseudonym, for the site's own recruitment staff (never for the matcher):
 * recomputes the pseudonyms of the projection's patients, so it costs one pass over them.
 */
export async function resolvePseudonym(db: SqlClient, trialId: string, matcherKey: MatcherKey, pseudonym: string): Promise<string | undefined> {
  const of = pseudonymizer(matcherKey, trialId);
  const res = await db.query<{ patient_id: string }>('SELECT patient_id FROM trial_patient_features');
  return res.rows.find((r) => of(r.patient_id) === pseudonym)?.patient_id;
}

/**
 * Every living patient eligible for any of the trials, by record id: for the site's own equity
 * report (representation among trial-eligible patients), never for a trial matcher.
 */
export async function eligiblePatientIds(db: SqlClient, trials: readonly TrialDefinition[], asOf: string = todayUtc()): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const trial of trials) {
    const p = new SqlParams();
    const cond = compileNode(trial.eligibility, p, asOf);
    const q = p.bind(`SELECT f.patient_id FROM trial_patient_features f WHERE NOT f.deceased AND ${cond.met}`);
    for (const r of (await db.query<{ patient_id: string }>(q.sql, q.values)).rows) ids.add(r.patient_id);
  }
  return ids;
}
