import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { importBundle, type ImportOptions } from '../../src/clinical/ingest/import-bundle.ts';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { CCRR_PATIENT, CCRR_RESOURCES, FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

const codes = loadCodeTables();
const options: ImportOptions = {
  source: 'test',
  maxEntries: 10_000,
  summarise: (id, resources) => mapClinicalSummary(id, resources, codes),
};

async function counts(db: Database): Promise<{ resources: number; versions: number; batches: number; summaries: number }> {
  const r = await db.query<{ resources: number; versions: number; batches: number; summaries: number }>(
    `SELECT (SELECT count(*)::int FROM fhir_resource) AS resources, (SELECT count(*)::int FROM fhir_resource_version) AS versions,
            (SELECT count(*)::int FROM import_batch) AS batches, (SELECT count(*)::int FROM patient_summary) AS summaries`,
  );
  return r.rows[0]!;
}

async function rejected(db: Database, input: unknown): Promise<DomainError> {
  const before = await counts(db);
  const err = await importBundle(db, input, options).then(
    () => assert.fail('expected the import to be rejected'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
  assert.equal(err.code, 'BAD_INPUT');
  assert.deepEqual(await counts(db), before, 'nothing of a rejected Bundle is stored');
  return err;
}

const patient = (id: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id, gender: 'female', ...extra });

for (const target of testDatabases()) {
  describe(`FHIR import on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('imports every fixture Bundle, with the entry counts read off the files', async () => {
      // entry counts: eom 8, TrialMatching 18 and 29, ctms 25 of which 5 repeat an earlier entry word for word, synthea 268
      const expected: Record<string, { entries: number; stored: number; patient: string }> = {
        'fhir/eom-patient-bundle-jane-anyperson.json': { entries: 8, stored: 8, patient: 'cancer-patient-jane-anyperson' },
        'fhir/TrialMatching_Patient01.json': { entries: 18, stored: 18, patient: 'mCODETrialMatchingPatientExample01' },
        'fhir/TrialMatching_Patient02.json': { entries: 29, stored: 29, patient: 'mCODETrialMatchingPatientExample02' },
        'fhir/ctms-patient_data.json': { entries: 25, stored: 20, patient: '1e208b6b-77f1-4808-a32b-9f9caf1ec334' },
        'fhir/synthea-cancer-patient-86-transaction-bundle.json': { entries: 268, stored: 268, patient: 'cancer-86' },
      };
      for (const file of FHIR_BUNDLES) {
        const result = await importBundle(db, fixture(file), options);
        const want = expected[file]!;
        assert.deepEqual(result.entries.map((e) => e.index), [...Array(want.entries).keys()], `${file}: one answer per entry, in order`);
        assert.equal(new Set(result.entries.map((e) => `${e.resourceType}/${e.id}`)).size, want.stored, file);
        assert.ok(result.entries.every((e) => e.outcome === 'created'), file);
        assert.deepEqual(result.patientIds, [want.patient], file);
      }
    });

    it('resolves urn:uuid references to Type/id and files resources under their patient', async () => {
      const r = await db.query<{ content: { subject: { reference: string } }; patient_id: string }>(
        "SELECT content, patient_id FROM fhir_resource WHERE resource_type = 'Observation' AND patient_id = 'cancer-86' LIMIT 1",
      );
      assert.equal(r.rows[0]?.content.subject.reference, 'Patient/cancer-86');
      const perPatient = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE patient_id = 'cancer-86'");
      // 268 entries less the ones outside any patient compartment: Location 2, Organization 2, Practitioner 2,
      // PractitionerRole 2, Endpoint 1, Medication 1, Provenance 1
      assert.equal(perPatient.rows[0]?.n, 268 - 11);
    });

    it('is idempotent: re-importing the same Bundle changes nothing', async () => {
      const before = await counts(db);
      const result = await importBundle(db, fixture('fhir/synthea-cancer-patient-86-transaction-bundle.json'), options);
      assert.ok(result.entries.every((e) => e.outcome === 'unchanged'));
      assert.deepEqual(result.patientIds, []);
      const now = await counts(db);
      assert.equal(now.resources, before.resources);
      assert.equal(now.versions, before.versions);
    });

    it('imports the CCRR single resources, before and after their patient is stored', async () => {
      // a database of its own: the CCRR examples reuse ids of the EOM examples (both come from mCODE)
      const own = await target.open();
      try {
        for (const file of CCRR_RESOURCES) {
          const result = await importBundle(own, fixture(file), options);
          assert.deepEqual(result.entries.map((e) => e.outcome), ['created'], file);
        }
        const result = await importBundle(own, CCRR_PATIENT, options);
        assert.deepEqual(result.patientIds, ['example']);
        const r = await own.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE patient_id = 'example'");
        assert.equal(r.rows[0]?.n, CCRR_RESOURCES.length + 1);
      } finally {
        await own.close();
      }
    });

    it('keeps a new version when a resource changes, and the history of both', async () => {
      await importBundle(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('v1', { birthDate: '1970-01-01' }) }] }, options);
      const second = await importBundle(db, patient('v1', { birthDate: '1971-01-01' }), options);
      assert.deepEqual(second.entries.map((e) => [e.outcome, e.version]), [['updated', 2]]);
      const h = await db.query<{ version: number; birth: string }>(
        "SELECT version, content->>'birthDate' AS birth FROM fhir_resource_version WHERE id = 'v1' ORDER BY version",
      );
      assert.deepEqual(h.rows, [{ version: 1, birth: '1970-01-01' }, { version: 2, birth: '1971-01-01' }]);
      const s = await db.query<{ data_version: number }>("SELECT data_version FROM patient_summary WHERE patient_id = 'v1'");
      assert.equal(s.rows[0]?.data_version, 2);
    });

    it('rejects a resource of the wrong type and names the entry and element', async () => {
      const err = await rejected(db, {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: patient('ok-1'), request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Patient', birthDate: 19700101 }, request: { method: 'POST', url: 'Patient' } },
        ],
      });
      assert.deepEqual(err.issues.map((i) => [i.entry, i.expression]), [[1, 'Bundle.entry[1].resource.birthDate']]);
    });

    it('refuses to move a stored resource to another patient (409), storing nothing', async () => {
      await importBundle(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('pa') }, { resource: patient('pb') }] }, options);
      const cond = (subject: string) => ({ resourceType: 'Condition', id: 'cond-1', subject: { reference: subject }, code: { text: 'x' } });
      await importBundle(db, cond('Patient/pa'), options);
      const before = await counts(db);
      const err = await importBundle(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('pb', { birthDate: '1999-01-01' }) }, { resource: cond('Patient/pb') }] }, options).catch((e: unknown) => e);
      assert.ok(err instanceof DomainError);
      assert.equal(err.code, 'CONFLICT');
      assert.deepEqual([err.issues[0]?.entry, err.issues[0]?.expression], [1, 'Bundle.entry[1].resource.id']);
      assert.match(err.issues[0]?.message ?? '', /Condition\/cond-1 belongs to Patient\/pa/);
      assert.deepEqual(await counts(db), before);
    });

    it('resolves absolute and version-specific references to entries of the Bundle', async () => {
      const result = await importBundle(
        db,
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { fullUrl: 'http://ehr.example/fhir/Patient/abs-1', resource: patient('abs-1') },
            { resource: { resourceType: 'Observation', id: 'abs-o1', status: 'final', code: { text: 'x' }, subject: { reference: 'http://ehr.example/fhir/Patient/abs-1/_history/3' } } },
            { resource: { resourceType: 'Observation', id: 'abs-o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/abs-1/_history/3' } } },
          ],
        },
        options,
      );
      assert.deepEqual(result.warnings, []);
      const r = await db.query<{ id: string; ref: string }>("SELECT id, content->'subject'->>'reference' AS ref FROM fhir_resource WHERE patient_id = 'abs-1' AND resource_type = 'Observation' ORDER BY id");
      assert.deepEqual(r.rows, [{ id: 'abs-o1', ref: 'Patient/abs-1' }, { id: 'abs-o2', ref: 'Patient/abs-1' }]);
    });

    it('rejects text PostgreSQL cannot store and hostile nesting, naming the place', async () => {
      let err = await rejected(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('s1', { name: [{ family: 'Smithers\ud800' }] }) }] });
      assert.deepEqual([err.issues[0]?.entry, err.issues[0]?.expression], [0, 'Bundle.entry[0].resource.name[0].family']);
      assert.match(err.issues[0]?.message ?? '', /unpaired UTF-16 surrogate/);
      err = await rejected(db, patient('s2', { name: [{ family: 'a\u0000b' }] }));
      assert.match(err.issues[0]?.message ?? '', /NUL/);
      let deep: Record<string, unknown> = { url: 'http://x', valueString: 'v' };
      for (let i = 0; i < 20_000; i++) deep = { url: 'http://x', extension: [deep] };
      err = await rejected(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('s3', { extension: [deep] }) }] });
      assert.match(err.issues[0]?.message ?? '', /nested deeper than 64 levels/);
      assert.equal(err.issues[0]?.entry, 0);
    });

    it('rejects an id that is not a FHIR id, and a PUT whose url contradicts the resource id', async () => {
      let err = await rejected(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('has space') }] });
      assert.equal(err.issues[0]?.expression, 'Bundle.entry[0].resource.id');
      err = await rejected(db, { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient('p-one'), request: { method: 'PUT', url: 'Patient/p-two' } }] });
      assert.match(err.issues[0]?.message ?? '', /does not match the PUT url id p-two/);
    });

    it('runs concurrent imports for one patient one after the other, and the summary sees both', async () => {
      await importBundle(db, patient('conc'), options);
      const obs = (i: number) => ({
        resourceType: 'Observation',
        id: `conc-ecog-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '89247-1' }] },
        subject: { reference: 'Patient/conc' },
        effectiveDateTime: `2020-01-${String(i + 1).padStart(2, '0')}`,
        valueInteger: i % 5,
      });
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => importBundle(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: obs(i) }, { resource: { ...obs(i + 10), id: 'conc-shared' } }] }, options)));
      assert.equal(results.length, 8);
      const shared = results.map((r) => r.entries.find((e) => e.id === 'conc-shared')!);
      assert.deepEqual(shared.map((e) => e.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8], 'each writer got its own version');
      assert.equal(shared.filter((e) => e.outcome === 'created').length, 1);
      const s = await db.query<{ summary: { ecog?: { value: number; source: { id: string } } } }>("SELECT summary FROM patient_summary WHERE patient_id = 'conc'");
      // the latest ECOG of all sixteen writes: conc-shared carries dates 2020-01-11..18, the last one wins
      const h = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE patient_id = 'conc' AND resource_type = 'Observation'");
      assert.equal(h.rows[0]?.n, 9);
      assert.equal(s.rows[0]?.summary.ecog?.source.id, 'conc-shared');
    });

    it('gives the summary the Medication resources that a record references', async () => {
      const result = await importBundle(
        db,
        {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: 'urn:uuid:44444444-4444-4444-8444-444444444444', resource: patient('med-p'), request: { method: 'POST', url: 'Patient' } },
            { fullUrl: 'urn:uuid:55555555-5555-4555-8555-555555555555', resource: { resourceType: 'Medication', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1547545' }] } }, request: { method: 'POST', url: 'Medication' } },
            {
              resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'urn:uuid:44444444-4444-4444-8444-444444444444' }, medicationReference: { reference: 'urn:uuid:55555555-5555-4555-8555-555555555555' } },
              request: { method: 'POST', url: 'MedicationRequest' },
            },
          ],
        },
        options,
      );
      assert.deepEqual(result.patientIds, ['med-p']);
      const s = await db.query<{ summary: { medications: { codes: { code: string }[] }[] } }>("SELECT summary FROM patient_summary WHERE patient_id = 'med-p'");
      assert.deepEqual(s.rows[0]?.summary.medications.map((m) => m.codes[0]?.code), ['1547545']);
    });

    it('rejects a dangling urn:uuid reference', async () => {
      const err = await rejected(db, {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: patient('dangle-p') },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' } } },
        ],
      });
      assert.equal(err.issues[0]?.entry, 1);
      assert.equal(err.issues[0]?.expression, 'Bundle.entry[1].resource.subject.reference');
      assert.match(err.issues[0]?.message ?? '', /dangling reference/);
    });

    it('keeps a dangling reference outside the patient link, with a warning', async () => {
      const result = await importBundle(
        db,
        {
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            { resource: patient('ctx-p') },
            { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/ctx-p' }, encounter: { reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' } } },
          ],
        },
        options,
      );
      assert.deepEqual(result.patientIds, ['ctx-p']);
      assert.deepEqual(
        result.warnings.map((w) => w.expression),
        ['Bundle.entry[1].resource.encounter.reference'],
      );
    });

    it('keeps a resource whose patient is not stored yet, warns, and files it under that patient', async () => {
      const result = await importBundle(db, { resourceType: 'Condition', subject: { reference: 'Patient/later' }, code: { text: 'x' } }, options);
      assert.deepEqual(result.patientIds, [], 'no summary until the Patient itself arrives');
      assert.match(result.warnings.map((w) => w.message).join('\n'), /Patient\/later is not stored at this site yet/);
      const arrived = await importBundle(db, patient('later'), options);
      assert.deepEqual(arrived.patientIds, ['later']);
      const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE patient_id = 'later'");
      assert.equal(r.rows[0]?.n, 2);
    });

    it('rejects an unknown resourceType, a bad Bundle.type and unsupported requests', async () => {
      let err = await rejected(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('u1') }, { resource: { resourceType: 'Spaceship' } }] });
      assert.deepEqual([err.issues[0]?.entry, err.issues[0]?.expression], [1, 'Bundle.entry[1].resource.resourceType']);
      err = await rejected(db, { resourceType: 'Bundle', type: 'searchset', entry: [] });
      assert.equal(err.issues[0]?.expression, 'Bundle.type');
      err = await rejected(db, { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient('d1'), request: { method: 'DELETE', url: 'Patient/d1' } }] });
      assert.equal(err.issues[0]?.expression, 'Bundle.entry[0].request.method');
      err = await rejected(db, { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: patient('c1'), request: { method: 'PUT', url: 'Patient?identifier=x' } }] });
      assert.equal(err.issues[0]?.expression, 'Bundle.entry[0].request.url');
      err = await rejected(db, { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('n1', { contained: [] }), fullUrl: 7 }] });
      assert.equal(err.issues[0]?.expression, 'Bundle.entry[0].fullUrl');
      await rejected(db, 'not a resource');
      await rejected(db, [1, 2, 3]);
    });

    it('rejects a whole Bundle when its last entry is bad, storing none of the good ones', async () => {
      const entry: { resource: Resource }[] = Array.from({ length: 50 }, (_, i) => ({ resource: patient(`bulk-${i}`) as Resource }));
      entry.push({ resource: { resourceType: 'Observation', status: 'final' } as unknown as Resource }); // Observation.code is 1..1
      const err = await rejected(db, { resourceType: 'Bundle', type: 'batch', entry: entry.map((e) => ({ ...e, request: { method: 'POST', url: e.resource.resourceType } })) });
      assert.deepEqual([err.issues[0]?.entry, err.issues[0]?.expression], [50, 'Bundle.entry[50].resource.code']);
      const none = await db.query("SELECT 1 FROM fhir_resource WHERE id LIKE 'bulk-%'");
      assert.equal(none.rows.length, 0);
    });

    it('enforces the entry limit', async () => {
      const entry = Array.from({ length: 11 }, (_, i) => ({ resource: patient(`lim-${i}`) }));
      const err = await importBundle(db, { resourceType: 'Bundle', type: 'collection', entry }, { ...options, maxEntries: 10 }).catch((e: unknown) => e);
      assert.ok(err instanceof DomainError);
      assert.match(err.message, /11 entries; the limit is 10/);
    });

    it('rolls back everything when the database fails after 200 of 268 resources were written', async () => {
      const own = await target.open();
      try {
        let writes = 0;
        const flaky: Database = {
          ...own,
          transaction: (fn) =>
            own.transaction((tx) =>
              fn({
                query: (sql, params) => {
                  if (sql.includes('INSERT INTO fhir_resource ') && ++writes === 2) throw Object.assign(new Error('disk full'), { code: '53100' });
                  return tx.query(sql, params);
                },
              }),
            ),
        };
        await assert.rejects(importBundle(flaky, fixture('fhir/synthea-cancer-patient-86-transaction-bundle.json'), options), /disk full/);
        assert.equal(writes, 2, 'the first statement wrote 200 resources before the second failed');
        assert.deepEqual(await counts(own), { resources: 0, versions: 0, batches: 0, summaries: 0 });
      } finally {
        await own.close();
      }
    });

    it('rolls back everything when a write fails midway', async () => {
      const before = await counts(db);
      const failing: ImportOptions = {
        ...options,
        summarise: () => {
          throw new Error('summary failed');
        },
      };
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('rb-1') }, { resource: patient('rb-2') }] };
      await assert.rejects(importBundle(db, bundle, failing), /summary failed/);
      assert.deepEqual(await counts(db), before);
    });
  });
}
