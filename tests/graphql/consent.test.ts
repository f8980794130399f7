import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const BUNDLE = JSON.parse(readFileSync(new URL('../fixtures/fhir/TrialMatching_Patient01.json', import.meta.url), 'utf8'));
const PATIENT = 'mCODETrialMatchingPatientExample01';
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawConsent(patientId: $id, reason: $reason) { patientId recordedAt } }`;

for (const { name, open } of testDatabases()) {
  describe(`withdrawConsent on ${name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await open();
      site = buildTestApp(db);
      await site.clinical.importBundle(BUNDLE, 'test');
    });
    after(() => db.close());

    it('records the withdrawal for rounds that start later, and keeps the reason out of the logs', async () => {
      const before = new Date();
      const res = await gql(site, WITHDRAW, { id: PATIENT, reason: 'asked at the clinic on 3 March' });
      assert.equal(res.status, 200, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.withdrawConsent.patientId, PATIENT);
      const recordedAt = new Date(res.body.data.withdrawConsent.recordedAt);
      assert.ok(!(await site.consent.excludedPatients(before)).has(PATIENT), 'a round that started before the withdrawal keeps the patient');
      assert.ok((await site.consent.excludedPatients(new Date(recordedAt.getTime() + 1000))).has(PATIENT));
      assert.ok(!site.logs.text().includes('3 March'));
    });

    it('answers NOT_FOUND for a patient the site does not hold, and BAD_INPUT for an empty reason', async () => {
      const missing = await gql(site, WITHDRAW, { id: 'nobody-here', reason: 'x' });
      assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      const empty = await gql(site, WITHDRAW, { id: PATIENT, reason: '  ' });
      assert.equal(empty.body.errors?.[0]?.extensions?.code, 'BAD_INPUT');
    });
  });
}
