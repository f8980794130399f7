import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { PATIENT_SEARCHES } from '../../src/clinical/pull/patient-searches.ts';
import { FhirPullError } from '../../src/clinical/pull/pull-error.ts';
import { pullPatientRecords, type PulledRecord, type PullOptions } from '../../src/clinical/pull/pull-records.ts';
import { seedBundle, startFhirServer, type FhirServerOptions, type FhirTestServer } from '../helpers/fhir-server.ts';
import { fixture } from '../helpers/fixtures.ts';

const SYNTHEA = 'fhir/synthea-cancer-patient-86-transaction-bundle.json';
const TM1 = 'fhir/TrialMatching_Patient01.json';
const TM2 = 'fhir/TrialMatching_Patient02.json';
const SEARCHED = new Set(PATIENT_SEARCHES.map((s) => s.resourceType));

// Hand-counted off the fixture files (subject of each searched type; the Patient itself is 1).
const HAND_COUNTED: Record<string, Record<string, number>> = {
  'cancer-86': { Patient: 1, Condition: 15, Observation: 65, MedicationRequest: 13, MedicationAdministration: 1, Procedure: 21, Specimen: 1, DiagnosticReport: 20 },
  mCODETrialMatchingPatientExample01: { Patient: 1, Condition: 4, Observation: 8, MedicationStatement: 5 },
  mCODETrialMatchingPatientExample02: { Patient: 1, Observation: 10, Condition: 2, Procedure: 5, MedicationStatement: 11 },
};

/** Per type, the resources of the searched types in a fixture Bundle whose subject is the patient. */
function countInFixture(bundle: Bundle, patientId: string): Record<string, number> {
  const entries = bundle.entry ?? [];
  const patient = entries.find((e) => e.resource?.resourceType === 'Patient' && (e.resource.id === patientId || e.request?.url === `Patient/${patientId}`));
  assert.ok(patient, `fixture has Patient/${patientId}`);
  const refs = new Set([`Patient/${patientId}`, patient.fullUrl]);
  const counts: Record<string, number> = { Patient: 1 };
  for (const { resource } of entries) {
    if (!resource || !SEARCHED.has(resource.resourceType)) continue;
    const ref = (resource as { subject?: { reference?: string } }).subject?.reference;
    if (refs.has(ref)) counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
  }
  return counts;
}

function countByType(resources: Resource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

async function pullAll(options: PullOptions): Promise<PulledRecord[]> {
  const out: PulledRecord[] = [];
  for await (const record of pullPatientRecords(options)) out.push(record);
  return out;
}

async function pullFails(options: PullOptions): Promise<FhirPullError> {
  const err = await pullAll(options).then(
    () => assert.fail('expected the pull to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof FhirPullError, `expected a FhirPullError, got ${String(err)}`);
  return err;
}

/** Every resource but the Patient points at the patient through its `subject`. */
function assertOwnResourcesOnly(record: PulledRecord): void {
  assert.equal(record.resources[0]?.resourceType, 'Patient');
  assert.equal(record.resources[0]?.id, record.patientId);
  for (const r of record.resources.slice(1)) {
    assert.equal((r as { subject?: { reference?: string } }).subject?.reference, `Patient/${record.patientId}`, `${r.resourceType}/${r.id}`);
  }
}

async function serverWith(files: string[], options: FhirServerOptions = {}): Promise<FhirTestServer> {
  const server = await startFhirServer(options);
  for (const file of files) await seedBundle(server.repo, fixture(file));
  return server;
}

describe('pullPatientRecords against a real FHIR server (Medplum router, in-process)', () => {
  let server: FhirTestServer;
  before(async () => {
    server = await serverWith([SYNTHEA, TM1, TM2]);
  });
  after(() => server.close());

  it('the hand counts agree with the fixtures', () => {
    assert.deepEqual(countInFixture(fixture(SYNTHEA), 'cancer-86'), HAND_COUNTED['cancer-86']);
    assert.deepEqual(countInFixture(fixture(TM1), 'mCODETrialMatchingPatientExample01'), HAND_COUNTED.mCODETrialMatchingPatientExample01);
    assert.deepEqual(countInFixture(fixture(TM2), 'mCODETrialMatchingPatientExample02'), HAND_COUNTED.mCODETrialMatchingPatientExample02);
  });

  it('pulls one patient in pages of 10: every resource of every searched type, following next links', async () => {
    const from = server.requests.length;
    const records = await pullAll({ baseUrl: server.baseUrl, patientId: 'cancer-86', pageSize: 10, bearerToken: 'test-token' });
    assert.equal(records.length, 1);
    const record = records[0]!;
    assert.equal(record.patientId, 'cancer-86');
    assert.deepEqual(countByType(record.resources), countInFixture(fixture(SYNTHEA), 'cancer-86'));
    assert.deepEqual(countByType(record.resources), HAND_COUNTED['cancer-86']);
    assert.equal(record.resources.length, 137);
    assertOwnResourcesOnly(record);

    const expectedIds = (fixture<Bundle>(SYNTHEA).entry ?? [])
      .map((e: BundleEntry) => e.resource)
      .filter((r): r is Resource => !!r && (r.resourceType === 'Patient' || SEARCHED.has(r.resourceType)))
      .map((r) => `${r.resourceType}/${r.id}`)
      .sort();
    assert.deepEqual(record.resources.map((r) => `${r.resourceType}/${r.id}`).sort(), expectedIds);

    // ceil(n / 10) pages per type, at least 1: Condition 2, Observation 7, MedicationRequest 2,
    // MedicationStatement 1, MedicationAdministration 1, Procedure 3, Specimen 1, DiagnosticReport 2
    const requests = server.requests.slice(from);
    assert.equal(record.stats.pages, 19);
    assert.equal(requests.length, 1 + 19, 'one Patient read and 19 search pages');
    const observationPages = requests.filter((r) => r.path === 'Observation');
    assert.deepEqual(observationPages.map((r) => r.query.get('_offset') ?? '0'), ['0', '10', '20', '30', '40', '50', '60']);
    assert.ok(observationPages.every((r) => r.query.get('patient') === 'Patient/cancer-86' && r.query.get('_count') === '10'));
    assert.ok(requests.every((r) => r.authorization === 'Bearer test-token'), 'the bearer token goes with every request');
    assert.deepEqual(record.stats, { pages: 19, operationOutcomes: 0, skipped: 0, duplicates: 0 });
  });

  it('pulls every patient when no patientId is given, paging through Patient too, each with its own resources only', async () => {
    const from = server.requests.length;
    const records = await pullAll({ baseUrl: server.baseUrl, pageSize: 2 });
    assert.deepEqual(records.map((r) => r.patientId).sort(), Object.keys(HAND_COUNTED).sort());
    for (const record of records) {
      assert.deepEqual(countByType(record.resources), HAND_COUNTED[record.patientId], record.patientId);
      assertOwnResourcesOnly(record);
    }
    const patientPages = server.requests.slice(from).filter((r) => r.path === 'Patient');
    assert.deepEqual(patientPages.map((r) => r.query.get('_offset') ?? '0'), ['0', '2'], 'three Patients in pages of 2');
  });

  it('an unknown patient id is a clear not-found error', async () => {
    const err = await pullFails({ baseUrl: server.baseUrl, patientId: 'nobody' });
    assert.equal(err.message, 'FHIR server has no Patient/nobody');
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.status, 404);
    assert.equal(err.url, `${server.baseUrl}/Patient/nobody`);
  });

  it('rejects a patientId that is not a FHIR id before any request', async () => {
    const from = server.requests.length;
    const err = await pullAll({ baseUrl: server.baseUrl, patientId: '../Observation' }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e as { code?: string },
    );
    assert.equal(err.code, 'BAD_INPUT');
    assert.equal(server.requests.length, from);
  });

  it('stops with a clear error when a patient has more resources than maxResourcesPerPatient', async () => {
    const err = await pullFails({ baseUrl: server.baseUrl, patientId: 'cancer-86', maxResourcesPerPatient: 50 });
    assert.equal(err.code, 'PAYLOAD_TOO_LARGE');
    assert.match(err.message, /Patient\/cancer-86 has more than 50 resources .*maxResourcesPerPatient/);
  });

  it('passes the caller\'s abort through', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pullAll({ baseUrl: server.baseUrl, patientId: 'cancer-86', signal: controller.signal }), { name: 'AbortError' });
  });
});

describe('pullPatientRecords when the server misbehaves', () => {
  it('a server that is down: the error names the URL', async () => {
    const down = await startFhirServer();
    await down.close();
    const err = await pullFails({ baseUrl: down.baseUrl, patientId: 'cancer-86' });
    assert.equal(err.code, 'UNAVAILABLE');
    assert.ok(err.message.includes(`${down.baseUrl}/Patient/cancer-86`), err.message);
    assert.match(err.message, /ECONNREFUSED/);
  });

  it('a 5xx on a search: the error names the URL and the status, and nothing from the body', async () => {
    const server = await serverWith([TM1], {
      intercept: (req, res, next) => {
        if (!req.url.startsWith('/Observation')) return next();
        res.status(503).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'Lucien408 Bosco882 MRN 999' }] });
      },
    });
    try {
      const err = await pullFails({ baseUrl: server.baseUrl, patientId: 'mCODETrialMatchingPatientExample01' });
      assert.equal(err.code, 'UPSTREAM_FAILED');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`${server.baseUrl}/Observation?patient=Patient%2FmCODETrialMatchingPatientExample01&_count=100`), err.message);
      assert.doesNotMatch(`${err.message} ${JSON.stringify(err)} ${String(err.cause)}`, /Lucien|Bosco|MRN/);
    } finally {
      await server.close();
    }
  });

  it('ignores OperationOutcome and _include entries (with counts) and keeps a resource repeated across pages once', async () => {
    const server = await serverWith([TM1], {
      transformSearchBundle: (bundle, { path }) => {
        if (path !== 'Condition') return bundle;
        const first = bundle.entry?.[0];
        const extra: BundleEntry[] = [
          { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'informational' }] }, search: { mode: 'outcome' } },
          { resource: { resourceType: 'Practitioner', id: 'included' }, search: { mode: 'include' } },
          ...(first ? [first] : []),
        ];
        return { ...bundle, entry: [...(bundle.entry ?? []), ...extra] };
      },
    });
    try {
      const [record] = await pullAll({ baseUrl: server.baseUrl, patientId: 'mCODETrialMatchingPatientExample01', pageSize: 3 });
      assert.ok(record);
      assert.deepEqual(countByType(record.resources), HAND_COUNTED.mCODETrialMatchingPatientExample01);
      // Conditions come in 2 pages of 3: each page gets 1 outcome, 1 include and 1 repeat
      assert.deepEqual(record.stats, { pages: 2 + 3 + 1 + 2 + 1 + 1 + 1 + 1, operationOutcomes: 2, skipped: 2, duplicates: 2 });
    } finally {
      await server.close();
    }
  });

  it('refuses a result about another patient (a server ignoring the patient parameter)', async () => {
    const server = await serverWith([TM1, TM2], {
      transformSearchBundle: (bundle, { path }) =>
        path !== 'Observation' ? bundle : { ...bundle, entry: [...(bundle.entry ?? []), { resource: { resourceType: 'Observation', id: 'stray', status: 'final', code: {}, subject: { reference: 'Patient/someone-else' } }, search: { mode: 'match' } }] },
    });
    try {
      const err = await pullFails({ baseUrl: server.baseUrl, patientId: 'mCODETrialMatchingPatientExample01' });
      assert.equal(err.code, 'UPSTREAM_FAILED');
      assert.match(err.message, /Observation\/stray, which is not about Patient\/mCODETrialMatchingPatientExample01/);
    } finally {
      await server.close();
    }
  });

  it('refuses a next link to another origin, and a next link that loops', async () => {
    for (const [next, pattern] of [
      ['http://elsewhere.example/fhir/Observation?page=2', /another origin \(http:\/\/elsewhere\.example\)/],
      ['self', /repeats a page already read/],
    ] as const) {
      const server = await serverWith([TM1], {
        transformSearchBundle: (bundle, { path }) => {
          if (path !== 'Observation') return bundle;
          const self = bundle.link?.find((l) => l.relation === 'self')?.url ?? '';
          return { ...bundle, link: [...(bundle.link ?? []).filter((l) => l.relation !== 'next'), { relation: 'next', url: next === 'self' ? self : next }] };
        },
      });
      try {
        const err = await pullFails({ baseUrl: server.baseUrl, patientId: 'mCODETrialMatchingPatientExample01' });
        assert.match(err.message, pattern);
      } finally {
        await server.close();
      }
    }
  });
});
