import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { signAccessToken } from '../../src/auth/local-token.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { generateSitePatients, type GeneratedPatient } from '../../src/cohort/generate.ts';
import type { Database } from '../../src/storage/port.ts';
import { bearer, buildTestApp, gql } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const ELIGIBLE = `query($trial: String!, $after: String) {
  eligiblePatients(trialId: $trial, first: 10, after: $after) {
    count { value display } idsWithheld needsRecordReview
    patients { pseudonym } pageInfo { hasNextPage endCursor }
    representation { sex { group count { value display } } }
  }
}`;

const breastTrial = (id: string, sex?: string) => ({
  trialId: id,
  title: `Breast cancer trial ${id}`,
  status: 'active',
  match: { and: [{ clinical: { cancerType: 'Breast', ...(sex ? { sex } : {}) } }] },
});

for (const { name, open } of testDatabases()) {
  describe(`eligiblePatients through GraphQL on ${name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    let breast: GeneratedPatient[];
    before(async () => {
      db = await open();
      site = buildTestApp(db);
      const patients = generateSitePatients(builtInProfiles()[0]!, 120, 7).patients;
      breast = patients.filter((p) => p.biology.cancer === 'breast' && !p.course.died);
      assert.ok(breast.length >= 20, `${breast.length} living breast patients`);
      // all but one now; the last comes later, through the API, to show the projection follows imports
      for (const p of patients.slice(0, -1)) if (p !== breast.at(-1)) await site.clinical.importBundle(p.bundle, 'test');
      for (const trial of [breastTrial('NCT-BREAST'), breastTrial('NCT-MALE-BREAST', 'male')]) {
        const res = await gql(site, 'mutation($e: JSON) { registerTrial(eligibility: $e) { id } }', { e: trial }, { role: 'trial-matcher' });
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      }
    });
    after(() => db.close());

    it('lists pseudonyms, never record ids, with the count and the breakdown, paging through every eligible patient', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let count: { value: number } | undefined;
      do {
        const res = await gql(site, ELIGIBLE, { trial: 'NCT-BREAST', after }, { role: 'trial-matcher' });
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
        const page = res.body.data.eligiblePatients;
        count = page.count;
        seen.push(...page.patients.map((p: { pseudonym: string }) => p.pseudonym));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      // living breast-cancer patients imported so far, as the generator made them (the trial has no other criterion)
      const imported = breast.length - 1;
      assert.equal(count!.value, imported);
      assert.equal(new Set(seen).size, imported);
      const ids = new Set(breast.map((p) => p.biology.id));
      assert.ok(seen.every((s) => /^[A-Za-z0-9_-]{22}$/.test(s) && !ids.has(s)));
    });

    it('suppresses a count below 11 and withholds the ids with it', async () => {
      const men = breast.filter((p) => p.biology.sex === 'male').length;
      assert.ok(men < 11);
      const res = await gql(site, ELIGIBLE, { trial: 'NCT-MALE-BREAST' }, { role: 'trial-matcher' });
      const page = res.body.data.eligiblePatients;
      assert.deepEqual(page.count, men === 0 ? { value: 0, display: '0' } : { value: null, display: '<11' });
      assert.deepEqual(page.patients, []);
    });

    it('gives two matchers unlinkable pseudonyms for the same patients', async () => {
      const key = await site.auth.siteKey();
      const tokenOf = async (clientId: string) =>
        (await signAccessToken(key, { issuer: site.authConfig.issuer, audience: site.authConfig.audience, subject: clientId, clientId, role: 'trial-matcher', scope: 'system/ResearchStudy.rs', ttlSeconds: 300 })).token;
      const list = async (clientId: string) =>
        (await request(site.app).post('/graphql').set('authorization', `Bearer ${await tokenOf(clientId)}`).send({ query: ELIGIBLE, variables: { trial: 'NCT-BREAST' } })).body.data.eligiblePatients.patients.map((p: { pseudonym: string }) => p.pseudonym);
      const a = await list('matcher-a');
      const again = await list('matcher-a');
      const b = await list('matcher-b');
      assert.deepEqual(a, again);
      assert.equal(a.filter((p: string) => b.includes(p)).length, 0);
    });

    it('follows imports: a patient imported through the API is counted at the next search', async () => {
      const last = breast.at(-1)!;
      const imported = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', 'application/fhir+json').send(JSON.stringify(last.bundle));
      assert.equal(imported.status, 200);
      const res = await gql(site, ELIGIBLE, { trial: 'NCT-BREAST' }, { role: 'trial-matcher' });
      assert.equal(res.body.data.eligiblePatients.count.value, breast.length);
    });

    it('is not open to an EHR, a lab or a patient-context token', async () => {
      for (const caller of [{ role: 'ehr' as const }, { role: 'lab' as const }, { role: 'clinician' as const, patient: breast[0]!.biology.id }]) {
        const res = await gql(site, ELIGIBLE, { trial: 'NCT-BREAST' }, caller);
        assert.equal(res.body.errors?.[0].extensions.code, 'FORBIDDEN', JSON.stringify(caller));
        assert.equal(res.body.data, null);
      }
    });
  });
}
