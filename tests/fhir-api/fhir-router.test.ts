import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, bearer } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';
import { CCRR_RESOURCES, FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

const FHIR = 'application/fhir+json';

async function count(db: Database): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resource');
  return r.rows[0]?.n ?? 0;
}

for (const target of testDatabases()) {
  describe(`POST /fhir on ${target.name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await target.open();
      site = buildTestApp(db);
    });
    after(() => db.close());

    it('imports every fixture Bundle and answers with a transaction-response', async () => {
      for (const file of FHIR_BUNDLES) {
        const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(JSON.stringify(fixture(file)));
        assert.equal(res.status, 200, `${file}: ${res.text.slice(0, 300)}`);
        assert.match(res.headers['content-type'] ?? '', /application\/fhir\+json/);
        const body = JSON.parse(res.text);
        assert.equal(body.resourceType, 'Bundle');
        assert.equal(body.type, 'transaction-response');
        assert.ok(body.entry.every((e: { response: { status: string } }) => e.response.status === '201 Created'), file);
      }
      const synthea = await request(site.app).get('/fhir/Patient/cancer-86').set('authorization', await bearer(site));
      assert.equal(synthea.status, 200);
      assert.equal(JSON.parse(synthea.text).meta.versionId, '1');
    });

    it('imports the CCRR single resources, and refuses them where their ids belong to other patients (409)', async () => {
      // the CCRR examples reuse ids of the EOM examples for another patient
      const clash = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(JSON.stringify(fixture(CCRR_RESOURCES[0])));
      assert.equal(clash.status, 409);
      const oo = JSON.parse(clash.text);
      assert.equal(oo.issue[0].code, 'conflict');
      assert.deepEqual(oo.issue[0].expression, ['Condition.id']);
      const own = await target.open();
      try {
        const fresh = buildTestApp(own);
        for (const file of CCRR_RESOURCES) {
          const res = await request(fresh.app).post('/fhir').set('authorization', await bearer(fresh)).set('content-type', FHIR).send(JSON.stringify(fixture(file)));
          assert.equal(res.status, 200, file);
          assert.equal(JSON.parse(res.text).entry.length, 1);
        }
      } finally {
        await own.close();
      }
    });

    it('answers 200 OK with the same versions when the same Bundle comes again', async () => {
      // TrialMatching_Patient01: its ids are not reused by the CCRR examples imported above
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(JSON.stringify(fixture(FHIR_BUNDLES[1])));
      const body = JSON.parse(res.text);
      assert.ok(body.entry.every((e: { response: { status: string; location: string } }) => e.response.status === '200 OK' && e.response.location.endsWith('/_history/1')));
    });

    it('rejects a malformed Bundle with an OperationOutcome that names the entry, storing nothing', async () => {
      const before = await count(db);
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site))
        .set('content-type', FHIR)
        .send(
          JSON.stringify({
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              { resource: { resourceType: 'Patient', id: 'rest-ok' }, request: { method: 'PUT', url: 'Patient/rest-ok' } },
              { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 'high' } }, request: { method: 'POST', url: 'Observation' } },
            ],
          }),
        );
      assert.equal(res.status, 400);
      const oo = JSON.parse(res.text);
      assert.equal(oo.resourceType, 'OperationOutcome');
      assert.equal(oo.issue[0].code, 'invalid');
      assert.deepEqual(oo.issue[0].expression, ['Bundle.entry[1].resource.valueQuantity.value']);
      assert.equal(await count(db), before);
    });

    it('answers 400 for 10 MB of junk and 413 over the size limit, storing nothing', async () => {
      const before = await count(db);
      const junk = Buffer.alloc(10 * 1024 * 1024, 'x{').toString('latin1');
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(junk);
      assert.equal(res.status, 400);
      assert.match(JSON.parse(res.text).issue[0].diagnostics, /not valid JSON/);
      const small = buildTestApp(db, { limits: { maxBodyBytes: 1024 * 1024 } });
      const big = await request(small.app).post('/fhir').set('authorization', await bearer(small)).set('content-type', FHIR).send(junk);
      assert.equal(big.status, 413);
      assert.equal(JSON.parse(big.text).resourceType, 'OperationOutcome');
      assert.equal(await count(db), before);
    });

    it('refuses other media types with 415', async () => {
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', 'text/plain').send('hello');
      assert.equal(res.status, 415);
      assert.equal(JSON.parse(res.text).issue[0].code, 'not-supported');
    });

    it('serves the CapabilityStatement and 404s an unknown resource as an OperationOutcome', async () => {
      const cs = await request(site.app).get('/fhir/metadata');
      assert.equal(JSON.parse(cs.text).resourceType, 'CapabilityStatement');
      assert.equal(JSON.parse(cs.text).fhirVersion, '4.0.1');
      const missing = await request(site.app).get('/fhir/Patient/nope').set('authorization', await bearer(site));
      assert.equal(missing.status, 404);
      assert.equal(JSON.parse(missing.text).issue[0].code, 'not-found');
    });
  });
}
