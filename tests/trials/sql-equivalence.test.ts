import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import type { Database } from '../../src/storage/port.ts';
import { compileNode } from '../../src/trials/cohort/compile-sql.ts';
import { eligiblePatients } from '../../src/trials/cohort/eligible-patients.ts';
import { pseudonymizer } from '../../src/trials/cohort/pseudonyms.ts';
import { SqlParams } from '../../src/trials/cohort/sql-params.ts';
import type { EligibilityNode, GenomicCriterion, TriState } from '../../src/trials/eligibility/types.ts';
import { matchTrial } from '../../src/trials/evaluate/match-trials.ts';
import { readPatientFacts, writePatientFeatures } from '../../src/trials/facts/feature-store.ts';
import type { PatientFacts } from '../../src/trials/facts/patient-facts.ts';
import { syntheticFacts } from '../../src/trials/facts/synthetic-facts.ts';
import { testDatabases } from '../helpers/databases.ts';
import { treeArb } from './arbitraries.ts';
import { and, L, not, or, trialOf } from './helpers.ts';

/**
 * The SQL compilation and the in-memory evaluator must agree patient by patient: for random
 * eligibility trees over a generated cohort of 400 patients (all four site profiles, with missing
 * and unannotated data), the patients SQL finds MET, NOT_MET and neither are exactly those the
 * evaluator finds MET, NOT_MET and UNKNOWN.
 */
const asOf = '2025-06-15';
const cohort = syntheticFacts({ seed: 20250615, profiles: builtInProfiles(), count: 400, messy: true });
const byId = new Map(cohort.map((c) => [c.patientId, c.facts]));
const KEY = 'property-test-matcher-key-0123456789';

const g = (gene: string, extra: Partial<GenomicCriterion> = {}) => L({ kind: 'genomic', gene, category: 'mutation', wildtype: false, ...extra });
const MERGED_CALLS: EligibilityNode[] = [
  or(g('EGFR', { proteinChange: 'p.L858R' }), g('EGFR', { exon: 19, proteinChange: 'p.E746_A750del' })),
  not(or(g('KRAS', { proteinChange: 'p.G12C' }), g('KRAS', { exon: 2 }), L({ kind: 'ecog', range: { max: 1 } }))),
  or(g('PIK3CA'), g('ALK', { category: 'any' })),
  and(L({ kind: 'cancerType', value: 'lung', meta: false, negated: false }), not(or(g('TP53'), g('BRAF', { proteinChange: 'p.V600E' })))),
];

const sortFacts = (f: PatientFacts) => ({ ...f, variants: [...f.variants].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) });

for (const target of testDatabases()) {
  describe(`SQL compilation = in-memory evaluation on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
      await writePatientFeatures(db, cohort);
    });
    after(async () => db.close());

    it('the projection reads back the facts that were written', async () => {
      const read = await readPatientFacts(db, [...byId.keys()]);
      assert.equal(read.size, cohort.length);
      for (const { patientId, facts } of cohort) assert.deepEqual(sortFacts(read.get(patientId) as PatientFacts), sortFacts(facts), patientId);
    });

    it('the cohort exercises every answer (sanity check of the generator)', () => {
      const f = cohort.map((c) => c.facts);
      assert.ok(f.some((x) => x.birthDate && x.birthDate.earliest !== x.birthDate.latest));
      assert.ok(f.some((x) => x.variants.some((v) => v.altering === null)));
      assert.ok(f.some((x) => !x.sequenced && x.variants.length > 0));
      assert.ok(f.some((x) => x.ecog === null) && f.some((x) => x.stageGroup === null) && f.some((x) => x.deceased));
    });

    it('for 80 random trees, SQL MET / NOT_MET / UNKNOWN sets equal the evaluator’s', async () => {
      let decided = 0;
      await fc.assert(
        fc.asyncProperty(treeArb, async (tree) => {
          const trial = trialOf('PROP', tree);
          const p = new SqlParams();
          const c = compileNode(trial.eligibility, p, asOf);
          const q = p.bind(`SELECT f.patient_id, CASE WHEN ${c.met} THEN 'MET' WHEN ${c.notMet} THEN 'NOT_MET' ELSE 'UNKNOWN' END AS state FROM trial_patient_features f`);
          const res = await db.query<{ patient_id: string; state: TriState }>(q.sql, q.values);
          const sql = new Map(res.rows.map((r) => [r.patient_id, r.state]));
          for (const [id, facts] of byId) {
            const expected = matchTrial(trial, facts, { asOf }).overall;
            if (sql.get(id) !== expected) return false;
            if (expected !== 'UNKNOWN') decided++;
          }
          return true;
        }),
        // besides the random trees: ORs of call criteria, which the compiler merges into one EXISTS
        { numRuns: 80, seed: 7, examples: MERGED_CALLS.map((t) => [t]) },
      );
      assert.ok(decided > 0);
    });

    it('eligiblePatients lists exactly the living patients the evaluator finds eligible', async () => {
      const trees = fc.sample(treeArb, { numRuns: 30, seed: 11 });
      let listed = 0;
      for (const [i, tree] of trees.entries()) {
        const trial = trialOf(`T${i}`, tree);
        const expected = cohort.filter((x) => !x.facts.deceased && matchTrial(trial, x.facts, { asOf }).overall === 'MET');
        const page = await eligiblePatients(db, trial, { first: 500, matcherKey: KEY, asOf, includePossible: true });
        const n = expected.length;
        assert.deepEqual(page.count, n > 0 && n < 11 ? { value: null, display: '<11' } : { value: n, display: String(n) });
        if (n >= 11) {
          const pseudonym = pseudonymizer(KEY, trial.id);
          assert.deepEqual(page.patients.map((x) => x.pseudonym).sort(), expected.map((x) => pseudonym(x.patientId)).sort());
          listed += n;
        } else {
          assert.deepEqual([page.patients.length, page.idsWithheld], [0, n > 0]);
        }
        const possible = cohort.filter((x) => !x.facts.deceased && matchTrial(trial, x.facts, { asOf }).overall === 'UNKNOWN').length;
        assert.equal(page.possible?.value ?? (possible > 0 && possible < 11 ? null : possible), possible > 0 && possible < 11 ? null : possible);
      }
      assert.ok(listed > 0, 'some trees list patients');
    });
  });
}
