import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { verifyAuditChain } from '../../src/audit/verify-chain.ts';
import type { Database } from '../../src/storage/port.ts';
import { bearer, buildTestApp, gql } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const BUNDLE = JSON.parse(readFileSync(new URL('../fixtures/fhir/TrialMatching_Patient01.json', import.meta.url), 'utf8'));
const PATIENT = 'mCODETrialMatchingPatientExample01';

interface Row {
  action: string;
  outcome: number;
  patient_id: string | null;
  client_id: string;
  user_id: string | null;
  event: { operation: { channel: string; name: string }; requestId: string; agent: { role?: string } };
}

for (const { name, open } of testDatabases()) {
  describe(`the API writes the audit log on ${name}`, () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    const rowsAfter = async (seq: number) =>
      (await db.query<Row & { seq: number }>('SELECT seq, action, outcome, patient_id, client_id, user_id, event FROM audit_event WHERE seq > $1 ORDER BY seq', [seq])).rows;
    const head = async () => Number((await db.query<{ seq: string }>('SELECT coalesce(max(seq), 0) AS seq FROM audit_event')).rows[0]!.seq);
    before(async () => {
      db = await open();
      site = buildTestApp(db);
    });
    after(() => db.close());

    it('records an import with each patient it wrote, and a GraphQL read of that patient, by client and request id', async () => {
      const start = await head();
      const imported = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', 'application/fhir+json').set('x-request-id', 'req-import-1').send(JSON.stringify(BUNDLE));
      assert.equal(imported.status, 200);
      const read = await gql(site, `{ patient(id: "${PATIENT}") { clinical { __typename } } }`, {}, { role: 'clinician' });
      assert.equal(read.body.errors, undefined);
      const rows = await rowsAfter(start);
      assert.deepEqual(
        rows.map((r) => [r.event.operation.channel, r.event.operation.name, r.action, r.outcome, r.patient_id, r.client_id, r.user_id]),
        [
          ['rest', 'POST /fhir', 'C', 0, PATIENT, 'sangam-local', 'local:ehr'],
          ['graphql', 'Query.patient', 'R', 0, PATIENT, 'sangam-local', 'local:clinician'],
        ],
      );
      assert.equal(rows[0]!.event.requestId, 'req-import-1');
      assert.equal(rows[1]!.event.agent.role, 'clinician');
    });

    it('records a refused access as a minor failure, and nothing for a query that touches no patient', async () => {
      const start = await head();
      const refused = await gql(site, `{ patient(id: "${PATIENT}") { id } }`, {}, { role: 'clinician', patient: 'someone-else' });
      assert.equal(refused.body.errors?.[0].extensions.code, 'FORBIDDEN');
      await gql(site, '{ models { name } }');
      const rows = await rowsAfter(start);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.outcome, 4);
      assert.equal(rows[0]!.event.operation.name, 'Query.patient');
    });

    it('records REST reads with the patient of the resource, and lets only admins search the log as FHIR AuditEvent', async () => {
      const start = await head();
      const obs = (await site.clinical.resources(PATIENT, 'Observation'))[0]!;
      const res = await request(site.app).get(`/fhir/Observation/${obs.id}`).set('authorization', await bearer(site));
      assert.equal(res.status, 200);
      const [row] = await rowsAfter(start);
      assert.equal(row!.patient_id, PATIENT);
      assert.equal(row!.action, 'R');

      const forbidden = await request(site.app).get('/fhir/AuditEvent').set('authorization', await bearer(site));
      assert.equal(forbidden.status, 403);
      const search = await request(site.app).get(`/fhir/AuditEvent?patient=${PATIENT}&_count=50`).set('authorization', await bearer(site, { role: 'admin' }));
      assert.equal(search.status, 200);
      assert.equal(search.body.resourceType, 'Bundle');
      assert.ok(search.body.entry.length >= 3, `${search.body.entry.length} events`);
      assert.ok(search.body.entry.every((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'AuditEvent'));
    });

    it('keeps an intact chain through all of it', async () => {
      const verified = await verifyAuditChain(db);
      assert.equal(verified.ok, true, JSON.stringify(verified));
    });
  });
}
