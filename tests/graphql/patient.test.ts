import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql, bearer } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';
import { CCRR_PATIENT, CCRR_RESOURCES, FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

const IMPORT = `mutation($bundle: JSON!) {
  importFhirBundle(bundle: $bundle) { importId patientIds entries { index resourceType id version outcome } warnings { entry expression message } }
}`;

const PATIENT = `query($id: ID!) {
  patient(id: $id) {
    id
    clinical {
      dataVersion
      sex { value source { resourceType id } }
      ecog { value date source { resourceType id resource { version json } } }
      staging { t { label type } n { label } m { label } group { label } }
      tumorMarkers { marker status source { id } }
      variants { gene source { id } }
      diseaseStatus { date trend source { id } }
      primaryCancer { cancerType source { id } }
    }
    resourceCounts { resourceType count }
    observations: resources(type: "Observation") { id resourceType }
  }
}`;

for (const target of testDatabases()) {
  describe(`GraphQL patient API on ${target.name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await target.open();
      site = buildTestApp(db);
    });
    after(() => db.close());

    it('imports every fixture Bundle through importFhirBundle', async () => {
      for (const file of FHIR_BUNDLES) {
        const res = await gql(site, IMPORT, { bundle: fixture(file) });
        assert.equal(res.status, 200, JSON.stringify(res.body.errors));
        assert.equal(res.body.errors, undefined);
        assert.equal(res.body.data.importFhirBundle.patientIds.length, 1, file);
      }
    });

    it('imports the CCRR single resources through importFhirBundle (into a store of their own: they reuse EOM ids)', async () => {
      const own = await target.open();
      try {
        const app = buildTestApp(own);
        for (const file of [...CCRR_RESOURCES]) {
          const res = await gql(app, IMPORT, { bundle: fixture(file) });
          assert.equal(res.body.errors, undefined, file);
          assert.equal(res.body.data.importFhirBundle.entries[0].outcome, 'created', file);
        }
        const res = await gql(app, IMPORT, { bundle: CCRR_PATIENT });
        assert.deepEqual(res.body.data.importFhirBundle.patientIds, ['example']);
        const p = await gql(app, PATIENT, { id: 'example' });
        assert.equal(p.body.data.patient.clinical.staging.group.label, 'IIIC');
      } finally {
        await own.close();
      }
    });

    it('returns the mapped clinical features of a patient with their source resources', async () => {
      const res = await gql(site, PATIENT, { id: 'mCODETrialMatchingPatientExample01' });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const p = res.body.data.patient;
      assert.equal(p.id, 'mCODETrialMatchingPatientExample01');
      assert.deepEqual(p.clinical.sex, { value: 'female', source: { resourceType: 'Patient', id: 'mCODETrialMatchingPatientExample01' } });
      // ECOG: mCODETrialMatchingECOGPerformanceStatusPatientExample01, valueInteger 1
      assert.equal(p.clinical.ecog.value, 1);
      assert.equal(p.clinical.ecog.source.id, 'mCODETrialMatchingECOGPerformanceStatusPatientExample01');
      assert.equal(p.clinical.ecog.source.resource.json.resourceType, 'Observation');
      // variants: the genetic-variant observations name genes through 48018-6 components
      assert.ok(p.clinical.variants.length > 0);
      assert.ok(p.clinical.variants.every((v: { gene: string | null }) => typeof v.gene === 'string' && v.gene.length > 0));
      // 8 Observations in the file (counted by hand)
      assert.equal(p.observations.length, 8);
      assert.deepEqual(
        Object.fromEntries(p.resourceCounts.map((c: { resourceType: string; count: number }) => [c.resourceType, c.count])),
        { Patient: 1, Condition: 4, Observation: 8, MedicationStatement: 5 },
      );
    });

    it('returns the EOM disease status and clinical TNM', async () => {
      const res = await gql(site, PATIENT, { id: 'cancer-patient-jane-anyperson' });
      const c = res.body.data.patient.clinical;
      assert.deepEqual([c.staging.t.label, c.staging.n.label, c.staging.m.label], ['T3', 'N3', 'M0']);
      assert.equal(c.staging.t.type, 'clinical');
      assert.equal(c.diseaseStatus.length, 1);
      assert.equal(c.diseaseStatus[0].trend, 'improved');
      assert.equal(c.primaryCancer.cancerType, 'breast');
    });

    it('pages through patients with a Relay connection', async () => {
      const q = `query($after: String) { patients(first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await gql(site, q, { after });
        const conn = res.body.data.patients;
        assert.equal(conn.totalCount, 5);
        seen.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      assert.deepEqual(seen, [...seen].sort());
      assert.equal(new Set(seen).size, 5);
    });

    it('answers null for an unknown patient', async () => {
      const res = await gql(site, PATIENT, { id: 'no-such-patient' });
      assert.equal(res.body.data.patient, null);
    });

    it('rejects a malformed Bundle with BAD_INPUT, a 400 and the located issues', async () => {
      const res = await gql(site, IMPORT, {
        bundle: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 42 } }] },
      });
      assert.equal(res.status, 400);
      const err = res.body.errors?.[0];
      assert.equal(err.extensions.code, 'BAD_INPUT');
      assert.deepEqual(err.extensions.issues, [{ entry: 0, expression: 'Bundle.entry[0].resource.gender', message: 'Invalid JSON type: expected string, but got number' }]);
    });

    it('masks unexpected errors and logs them', async () => {
      // every query fails but the site key's, so the caller is still verified and the failure is the resolver's
      const failing = async (sql: string, params?: unknown[]) => {
        if (sql.includes('auth_site_key')) return db.query(sql, params);
        throw new Error('secret detail');
      };
      const broken = buildTestApp({ ...db, query: failing } as Database);
      const res = await gql(broken, PATIENT, { id: 'x' });
      assert.equal(res.body.errors?.[0].message, 'Unexpected error.');
      assert.equal(res.body.errors?.[0].extensions.code, 'INTERNAL_SERVER_ERROR');
      assert.doesNotMatch(JSON.stringify(res.body), /secret detail/);
      assert.match(broken.logs.text(), /secret detail/);
    });

    it('refuses bodies over the limit with 413', async () => {
      const small = buildTestApp(db, { limits: { maxBodyBytes: 1024 } });
      const res = await request(small.app).post('/graphql').set('authorization', await bearer(small)).set('content-type', 'application/json').send({ query: IMPORT, variables: { bundle: fixture(FHIR_BUNDLES[0]) } });
      assert.equal(res.status, 413);
      assert.equal(res.body.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 10 MB of junk with BAD_INPUT and stores nothing', async () => {
      const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resource');
      const junk = Buffer.alloc(10 * 1024 * 1024, '{"').toString('latin1');
      const res = await request(site.app).post('/graphql').set('authorization', await bearer(site)).set('content-type', 'application/json').send(junk);
      assert.equal(res.status, 400);
      assert.equal(res.body.errors[0].extensions.code, 'BAD_INPUT');
      const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resource');
      assert.equal(after.rows[0]?.n, before.rows[0]?.n);
    });

    it('serves health and readiness', async () => {
      assert.deepEqual((await request(site.app).get('/health')).body, { status: 'ok' });
      const ready = await request(site.app).get('/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.database, target.name);
    });
  });
}
