import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const BUNDLE = JSON.parse(readFileSync(new URL('../fixtures/fhir/TrialMatching_Patient01.json', import.meta.url), 'utf8'));
const PATIENT = 'mCODETrialMatchingPatientExample01';
const RECORD = `mutation($input: OutcomeInput!) {
  recordOutcome(input: $input) {
    patientId line regimen responded
    progressionFreeSurvival { days event } overallSurvival { days event }
    resources warnings { expression message }
  }
}`;

for (const { name, open } of testDatabases()) {
  describe(`recordOutcome and equityReport through GraphQL on ${name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await open();
      site = buildTestApp(db);
      await site.clinical.importBundle(BUNDLE, 'test');
    });
    after(() => db.close());

    it('records a line with its response and survival labels', async () => {
      const res = await gql(site, RECORD, {
        input: { patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 1, startDate: '2024-01-10', bestResponse: { category: 'PR', date: '2024-04-10' }, progressionDate: '2024-09-02', lastFollowUp: '2024-12-01', followedSuggestion: null },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      const o = res.body.data.recordOutcome;
      assert.equal(o.regimen, 'letrozole');
      assert.equal(o.responded, true);
      // 2024-01-10 → 2024-09-02 is 236 days (21 + 29 + 31 + 30 + 31 + 30 + 31 + 31 + 2); → 2024-12-01 is 326 days, alive
      assert.deepEqual(o.progressionFreeSurvival, { days: 236, event: true });
      assert.deepEqual(o.overallSurvival, { days: 326, event: false });
      assert.ok(o.resources.some((r: string) => r.startsWith('Observation/')));
    });

    it('rejects progression before the therapy started, naming the field, and stores nothing', async () => {
      const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM treatment_outcome')).rows[0]!.n;
      const res = await gql(site, RECORD, { input: { patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 2, startDate: '2025-03-01', progressionDate: '2025-02-01' } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_INPUT');
      assert.match(JSON.stringify(res.body.errors?.[0]?.extensions), /progressionDate/);
      assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM treatment_outcome')).rows[0]!.n, before);
    });

    it('answers the equity report with representation among all patients', async () => {
      const res = await gql(site, '{ equityReport }', {}, { role: 'clinician' });
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      const text = JSON.stringify(res.body.data.equityReport);
      assert.match(text, /representation/i);
      assert.ok(!text.includes(PATIENT), 'no patient id in the report');
    });
  });
}
