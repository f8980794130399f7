// Trial → patients on PostgreSQL: `eligiblePatients` (eligibility compiled to SQL, the count and
// representation breakdown in one grouped scan, a page of 50 pseudonyms) against hand-written SQL for
// the same criteria and the same output (breakdown query + page query), over BENCH_TRIAL_PATIENTS
// generated patients (100k by default) written straight into the projection with the cohort
// generator's patient model (site profiles: cancer mix, age, stage, ECOG, receptors, drivers, MSI,
// TMB, missingness). Needs DATABASE_URL; each run works in its own schema and drops it.
import { randomBytes } from 'node:crypto';
import { builtInProfiles } from '../src/cohort/profiles.ts';
import { openDatabase } from '../src/storage/open-database.ts';
import type { Database } from '../src/storage/port.ts';
import { eligiblePatients } from '../src/trials/cohort/eligible-patients.ts';
import { pseudonymizer } from '../src/trials/cohort/pseudonyms.ts';
import { buildTrial } from '../src/trials/registry/import-research-study.ts';
import { loadCodeTables } from '../src/clinical/mcode/code-tables.ts';
import { writePatientFeatures } from '../src/trials/facts/feature-store.ts';
import { syntheticFacts } from '../src/trials/facts/synthetic-facts.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.log('trial-cohort bench skipped: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it on PostgreSQL');
  process.exit(0);
}

const N = Number(process.env.BENCH_TRIAL_PATIENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const asOf = '2026-01-01';
const KEY = 'bench-matcher-key-0123456789abcdef';
const tables = loadCodeTables();

const CASES = [
  {
    name: 'HR+/HER2- breast, stage II-III, age >= 18, ECOG <= 1',
    match: { and: [{ clinical: { cancerType: 'breast', age: '>=18', stage: ['II', 'III'] } }, { or: [{ clinical: { er: 'positive' } }, { clinical: { pr: 'positive' } }] }, { clinical: { her2: 'negative', ecog: '<=1' } }] },
    where: `f.cancer_type = 'breast' AND f.birth_latest <= DATE '2008-01-01' AND f.stage_group IN (2, 3) AND (f.er = 'positive' OR f.pr = 'positive') AND f.her2 = 'negative' AND f.ecog <= 1`,
  },
  {
    name: 'EGFR L858R or exon 19 deletion lung cancer, age >= 18, ECOG <= 2',
    match: { and: [{ clinical: { cancerType: 'lung', age: '>=18', ecog: '<=2' } }, { or: [{ genomic: { gene: 'EGFR', proteinChange: 'p.L858R' } }, { genomic: { gene: 'EGFR', exon: 19, proteinChange: 'p.E746_A750del' } }] }] },
    where: `f.cancer_type = 'lung' AND f.birth_latest <= DATE '2008-01-01' AND f.ecog <= 2 AND EXISTS (SELECT 1 FROM trial_patient_variant v WHERE v.patient_id = f.patient_id AND v.gene = 'EGFR' AND v.altering AND (v.protein_change = 'p.L858R' OR (v.exon = 19 AND v.protein_change = 'p.E746_A750del')))`,
  },
  {
    name: 'MSI-H or TMB >= 10, solid tumour, no prior line limit beyond 2',
    match: { and: [{ clinical: { cancerType: '_SOLID_', priorLines: '<=2' } }, { or: [{ clinical: { msi: 'MSI-H' } }, { clinical: { tmb: '>=10' } }] }] },
    where: `f.cancer_class = 'solid' AND f.prior_lines <= 2 AND (f.msi = 'MSI-H' OR f.tmb >= 10)`,
  },
];

// the breakdown a person would write: each dimension grouped, ages banded from the birth-date range
const BAND = `CASE WHEN f.birth_latest IS NULL THEN 'unknown'
  WHEN f.birth_earliest > DATE '2008-01-01' THEN '0-17'
  WHEN f.birth_latest <= DATE '2008-01-01' AND f.birth_earliest > DATE '1986-01-01' THEN '18-39'
  WHEN f.birth_latest <= DATE '1986-01-01' AND f.birth_earliest > DATE '1976-01-01' THEN '40-49'
  WHEN f.birth_latest <= DATE '1976-01-01' AND f.birth_earliest > DATE '1966-01-01' THEN '50-59'
  WHEN f.birth_latest <= DATE '1966-01-01' AND f.birth_earliest > DATE '1956-01-01' THEN '60-69'
  WHEN f.birth_latest <= DATE '1956-01-01' AND f.birth_earliest > DATE '1946-01-01' THEN '70-79'
  WHEN f.birth_latest <= DATE '1946-01-01' THEN '80+' ELSE 'unknown' END`;

async function handWritten(db: Database, where: string): Promise<number> {
  const grouped = await db.query<{ g: number; n: number }>(
    `SELECT GROUPING(population_group, sex, band) AS g, count(*)::int AS n FROM (
       SELECT coalesce(f.population_group, 'unknown') AS population_group, coalesce(f.sex, 'unknown') AS sex, ${BAND} AS band
       FROM trial_patient_features f WHERE NOT f.deceased AND ${where}) x
     GROUP BY GROUPING SETS ((), (population_group), (sex), (band))`,
  );
  const page = await db.query<{ patient_id: string }>(`SELECT f.patient_id FROM trial_patient_features f WHERE NOT f.deceased AND ${where} ORDER BY f.patient_id LIMIT 51`);
  const pseudonym = pseudonymizer(KEY, 'bench');
  page.rows.slice(0, 50).forEach((r) => pseudonym(r.patient_id));
  return grouped.rows.find((r) => r.g === 7)?.n ?? 0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const schema = `bench_${randomBytes(4).toString('hex')}`;
const db = await openDatabase({ databaseUrl: url, schema });
try {
  let t = performance.now();
  const cohort = syntheticFacts({ seed: 2026, profiles: builtInProfiles(), count: N });
  await writePatientFeatures(db, cohort);
  await db.query('ANALYZE trial_patient_features');
  await db.query('ANALYZE trial_patient_variant');
  const variants = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM trial_patient_variant')).rows[0]?.n;
  console.log(`trial cohort: ${N} generated patients (${variants} variant rows) written to PostgreSQL in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const ratios: number[] = [];
  for (const c of CASES) {
    const trial = buildTrial({ eligibility: { trialId: 'bench', match: c.match } }, tables);
    const ours = (await eligiblePatients(db, trial, { first: 50, matcherKey: KEY, asOf })).count.value;
    const theirs = await handWritten(db, c.where);
    if (ours !== theirs) throw new Error(`${c.name}: compiled query counts ${ours}, hand-written ${theirs}`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      t = performance.now();
      await handWritten(db, c.where);
      b.push(performance.now() - t);
      t = performance.now();
      await eligiblePatients(db, trial, { first: 50, matcherKey: KEY, asOf });
      a.push(performance.now() - t);
    }
    const ratio = median(a) / median(b);
    ratios.push(ratio);
    console.log(`  ${c.name}: ${ours} eligible; compiled ${median(a).toFixed(1)} ms, hand-written ${median(b).toFixed(1)} ms (median of ${ROUNDS}), ratio ${ratio.toFixed(2)}`);
  }
  const worst = Math.max(...ratios);
  console.log(`ratio compiled/hand-written SQL, worst of ${CASES.length} trials: ${worst.toFixed(2)}× (goal <= 1.5×)`);
} finally {
  await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  await db.close();
}
