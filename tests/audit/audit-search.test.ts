import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent as FhirAuditEvent, Bundle } from '@medplum/fhirtypes';
import { dateSearchRange, parseAuditSearchParams } from '../../src/audit/audit-search-params.ts';
import { auditOutcomeOf } from '../../src/audit/build-audit-event.ts';
import { searchAuditEvents } from '../../src/audit/search-audit-events.ts';
import { notFound } from '../../src/errors/domain-error.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { clinician, readPatient, searchObservations, testRecorder } from './audit-fixtures.ts';

const BASE = 'https://site-a.example/fhir';
const resources = (b: Bundle<FhirAuditEvent>) => (b.entry ?? []).map((e) => e.resource as FhirAuditEvent);
const search = (db: Database, query: string) => searchAuditEvents(db, parseAuditSearchParams(new URLSearchParams(query)), { baseUrl: BASE });

describe('AuditEvent search parameters', () => {
  it('reads FHIR date prefixes as ranges of the value’s precision', () => {
    assert.deepEqual(dateSearchRange('2024-05-01'), { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-02T00:00:00Z') });
    assert.deepEqual(dateSearchRange('2024-12'), { start: new Date('2024-12-01T00:00:00Z'), end: new Date('2025-01-01T00:00:00Z') });
    assert.deepEqual(dateSearchRange('2024-05-01T10:00:00+02:00'), { start: new Date('2024-05-01T08:00:00Z'), end: new Date('2024-05-01T08:00:01Z') });
    const p = parseAuditSearchParams(new URLSearchParams('date=gt2024-05-01&date=le2024-05-03&patient=Patient/p1&action=R,E&outcome=0&_count=7'));
    assert.deepEqual(p, {
      recordedFrom: '2024-05-02T00:00:00.000Z',
      recordedTo: '2024-05-04T00:00:00.000Z',
      patient: 'p1',
      action: ['R', 'E'],
      outcome: [0],
      count: 7,
    });
  });

  it('refuses unknown parameters and bad values, naming each', () => {
    assert.throws(
      () => parseAuditSearchParams(new URLSearchParams('name=Jane&action=X&_count=9999&date=yesterday&patient=Patient/a b')),
      (e: unknown) => {
        const issues = (e as { issues: Array<{ expression: string }> }).issues.map((i) => i.expression);
        return JSON.stringify(issues) === JSON.stringify(['name', 'action', '_count', 'date', 'patient']);
      },
    );
  });
});

for (const target of testDatabases()) {
  describe(`AuditEvent search on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
      const recorder = testRecorder(db, Date.parse('2024-05-01T09:00:00.000Z'));
      await recorder.record(clinician, readPatient, ['p1'], { code: 0 }); // 1, 09:00:00
      await recorder.record({ ...clinician, requestId: 'req-2' }, searchObservations, ['p1', 'p2'], { code: 0 }); // 2, 3 at 09:00:01
      await recorder.record({ requestId: 'req-3', clientId: 'trial-matcher', role: 'trial-matcher', ip: '10.0.0.9' }, searchObservations, [], {
        code: 0,
      }); // 4
      await recorder.record({ ...clinician, requestId: 'req-4' }, readPatient, ['p2'], auditOutcomeOf(notFound('no such patient'))); // 5
      await recorder.record({ ...clinician, requestId: 'req-5' }, { channel: 'rest', name: 'POST /fhir', interaction: 'transaction' }, ['p1'], {
        code: 0,
      }); // 6
    });
    after(() => db.close());

    it('returns the patient’s events newest first as a searchset of BALP-shaped AuditEvents', async () => {
      const bundle = await search(db, 'patient=Patient/p1');
      assert.equal(bundle.resourceType, 'Bundle');
      assert.equal(bundle.type, 'searchset');
      const found = resources(bundle);
      assert.deepEqual(
        found.map((r) => r.id),
        ['6', '2', '1'],
      );
      assert.ok(found.every((r) => r.entity?.some((e) => e.role?.code === '1' && e.what?.reference === 'Patient/p1')));
      assert.equal(bundle.entry?.[0]?.fullUrl, `${BASE}/AuditEvent/6`);
      assert.equal(bundle.entry?.[0]?.search?.mode, 'match');
    });

    it('shapes a patient query as IHE.BasicAudit.PatientQuery', async () => {
      const [query] = resources(await search(db, 'patient=p2&action=E'));
      assert.ok(query);
      assert.deepEqual(query.meta?.profile, ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientQuery']);
      assert.deepEqual(query.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
      assert.equal(query.subtype?.[0]?.code, 'search-type');
      assert.equal(query.action, 'E');
      assert.equal(query.outcome, '0');
      assert.equal(query.recorded, '2024-05-01T09:00:01.000Z');
      const [client, server, user] = query.agent ?? [];
      assert.deepEqual(client, {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
        who: { identifier: { value: 'ehr-app' } },
        requestor: false,
        network: { address: '10.0.0.7', type: '2' },
      });
      assert.equal(server?.type?.coding?.[0]?.code, '110152');
      assert.deepEqual(server?.network, { address: 'https://site-a.example/fhir', type: '5' });
      assert.equal(user?.type?.coding?.[0]?.code, 'IRCP');
      assert.equal(user?.requestor, true);
      assert.deepEqual(user?.who, { identifier: { value: 'dr-rao' } });
      assert.equal(user?.role?.[0]?.coding?.[0]?.code, 'clinician');
      assert.deepEqual(query.source?.site, 'site-a');
      const entity = query.entity ?? [];
      assert.deepEqual(entity[0], {
        type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' },
        what: { identifier: { value: 'req-2' } },
      });
      const q = entity.find((e) => e.role?.code === '24');
      assert.equal(q?.type?.code, '2');
      assert.equal(Buffer.from(q?.query ?? '', 'base64').toString('utf8'), 'GET /fhir/Observation?patient&code');
      assert.equal(q?.what, undefined, 'BALP: entity[query].what 0..0');
    });

    it('shapes a patient read as PatientRead, and claims no profile for failures or transactions', async () => {
      const [read] = resources(await search(db, 'patient=p1&action=R'));
      assert.deepEqual(read?.meta?.profile, ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead']);
      const data = read?.entity?.find((e) => e.role?.code === '4');
      assert.deepEqual(data?.what, { reference: 'Patient/p1' });
      const [failed] = resources(await search(db, 'outcome=4'));
      assert.equal(failed?.id, '5');
      assert.equal(failed?.outcomeDesc, 'NOT_FOUND');
      assert.equal(failed?.meta, undefined);
      const [tx] = resources(await search(db, 'action=C'));
      assert.equal(tx?.subtype?.[0]?.code, 'transaction');
      assert.equal(tx?.meta, undefined);
    });

    it('shapes a query without a patient as IHE.BasicAudit.Query, the role on the client', async () => {
      const [q] = resources(await search(db, 'agent=trial-matcher'));
      assert.equal(q?.id, '4');
      assert.deepEqual(q?.meta?.profile, ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Query']);
      assert.equal(q?.agent?.length, 2);
      assert.equal(q?.agent?.[0]?.requestor, true);
      assert.equal(q?.agent?.[0]?.role?.[0]?.coding?.[0]?.code, 'trial-matcher');
      assert.ok(!q?.entity?.some((e) => e.role?.code === '1'));
    });

    it('filters by agent (user or client) and by date range', async () => {
      assert.deepEqual(resources(await search(db, 'agent=dr-rao')).map((r) => r.id), ['6', '5', '3', '2', '1']);
      assert.deepEqual(
        resources(await search(db, 'date=ge2024-05-01T09:00:01Z&date=lt2024-05-01T09:00:03Z')).map((r) => r.id),
        ['4', '3', '2'],
      );
      assert.deepEqual(resources(await search(db, 'date=2024-04-30')), []);
    });

    it('pages with a next link whose cursor stays put while events are appended', async () => {
      const first = await search(db, 'agent=dr-rao&_count=2');
      assert.deepEqual(resources(first).map((r) => r.id), ['6', '5']);
      const next = first.link?.find((l) => l.relation === 'next')?.url;
      assert.ok(next);
      assert.ok(next.startsWith(`${BASE}/AuditEvent?`));
      await testRecorder(db, Date.parse('2024-05-02T00:00:00.000Z')).record(clinician, readPatient, ['p9'], { code: 0 });
      const second = await search(db, new URL(next).search.slice(1));
      assert.deepEqual(resources(second).map((r) => r.id), ['3', '2']);
      const third = await search(db, new URL(second.link?.find((l) => l.relation === 'next')?.url ?? '').search.slice(1));
      assert.deepEqual(resources(third).map((r) => r.id), ['1']);
      assert.equal(third.link?.find((l) => l.relation === 'next'), undefined);
      await assert.rejects(search(db, '_cursor=bm90LWEtY3Vyc29y'), /invalid AuditEvent search/);
    });
  });
}
