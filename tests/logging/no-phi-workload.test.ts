import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { bearer, buildTestApp, gql } from '../helpers/app.ts';
import { CCRR_PATIENT, CCRR_RESOURCES, FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

/**
 * Everything the logger writes during a realistic workload (every fixture Bundle over REST, CCRR
 * resources, a VCF and a tile batch, GraphQL reads, and the error paths of each) holds none of the
 * fixture patients' names, birth dates or identifiers. The values are read from the fixtures.
 */

const PATIENT = 'mCODETrialMatchingPatientExample01';
const VCF = new URL('../fixtures/vcf/vcf2maf_test_b38.vcf', import.meta.url);
const HISTOLAB = new URL('../fixtures/tiles/histolab/', import.meta.url);

/** Names (family, given, prefix, text), birth dates and identifier values of every fixture patient. */
function phiOf(patients: Patient[], allIds: string[]): string[] {
  const out = new Set<string>();
  for (const p of patients) {
    for (const n of p.name ?? []) for (const part of [n.family, n.text, ...(n.given ?? [])]) if (part) out.add(part);
    if (p.birthDate) out.add(p.birthDate);
    for (const id of p.identifier ?? []) if (id.value) out.add(id.value);
  }
  // very short values match by chance; a value inside a resource id (which is logged on purpose) cannot be told apart
  return [...out].filter((v) => v.length > 3 && !allIds.some((id) => id.includes(v)));
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

const PATIENT_QUERY = `query($id: ID!) {
  patient(id: $id) {
    id
    clinical { sex { value } staging { group { label } } variants { gene } primaryCancer { cancerType } }
    variants { gene proteinChange }
    slides { id tileCount kept }
    resourceCounts { resourceType count }
  }
}`;

describe('no PHI in logs under a realistic workload', () => {
  let db: Database;
  let site: ReturnType<typeof buildTestApp>;
  before(async () => {
    db = await openDatabase({});
    site = buildTestApp(db, { tileThreads: 1 });
  });
  after(async () => {
    await site.pathology.close();
    await db.close();
  });

  it('logs ids, codes and counts, never a name, birth date or identifier', async () => {
    const bundles = FHIR_BUNDLES.map((f) => fixture<Bundle>(f));
    const resources: Resource[] = [...bundles.flatMap((b) => (b.entry ?? []).map((e) => e.resource!)), CCRR_PATIENT as unknown as Resource];
    const patients = resources.filter((r): r is Patient => r.resourceType === 'Patient');
    const phi = phiOf(patients, resources.map((r) => r.id ?? ''));
    assert.ok(phi.length >= 15, `expected names, birth dates and identifiers to look for, got ${phi.length}`);
    assert.ok(phi.some((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)), 'birth dates are among the values');

    const auth = { authorization: await bearer(site) };
    const fhirPost = (body: unknown) => request(site.app).post('/fhir').set(auth).set('content-type', 'application/fhir+json').send(JSON.stringify(body));

    // imports: every fixture Bundle over REST, the CCRR resources through the service
    for (const b of bundles) assert.equal((await fhirPost(b)).status, 200);
    // (some CCRR example ids are taken by another fixture's patient: those refusals are logged too)
    await site.clinical.importBundle(CCRR_PATIENT, 'test');
    for (const f of CCRR_RESOURCES) await site.clinical.importBundle(fixture(f), 'test').catch(() => undefined);

    // rejected imports that carry real patients' details
    const patient = patients.find((p) => p.id === PATIENT) ?? patients[0]!;
    assert.equal((await fhirPost({ ...patient, gender: 42 })).status, 400);
    assert.equal((await fhirPost({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { ...patient, birthDate: 'not a date' }, request: { method: 'PUT', url: `Patient/${patient.id}` } }] })).status, 400);
    await gql(site, 'mutation($b: JSON!) { importFhirBundle(bundle: $b) { importId } }', { b: { resourceType: 'Bundle', type: 'collection', entry: patients.map((p) => ({ resource: { ...p, name: 'flat' } })) } });
    await request(site.app).post('/fhir').set('content-type', 'application/fhir+json').send(JSON.stringify(patient)); // no token
    await request(site.app).get(`/fhir/Patient/${patient.id}`).set(auth);
    await request(site.app).get(`/fhir/Patient/${encodeURIComponent(patient.name?.[0]?.family ?? 'x')}`).set(auth);

    // genomics: a good VCF, then a broken one
    await site.genomics.importVariants(once(readFileSync(VCF)), { patientId: PATIENT, specimenId: 'tumour-1', fileName: 'b38.vcf', source: 'test' });
    const lines = readFileSync(VCF, 'utf8').split('\n');
    const first = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    lines[first] = lines[first]!.replace(/^([^\t]*)\t\d+/, '$1\tnot-a-position');
    const broken = Buffer.from(lines.join('\n'));
    await assert.rejects(site.genomics.importVariants(once(broken), { patientId: PATIENT, specimenId: 'tumour-1', fileName: 'broken.vcf', source: 'test' }));

    // pathology: two tiles, then a batch with a corrupt file
    const tiles = ['low-nuclei-score-level0.png', 'no-tissue.png'].map((name) => ({ name, bytes: readFileSync(new URL(name, HISTOLAB)) }));
    await site.pathology.importTiles(tiles, { patientId: PATIENT, slideId: 'slide-1', source: 'test' });
    await assert.rejects(site.pathology.importTiles([{ name: 'bad.png', bytes: tiles[0]!.bytes.subarray(0, 100) }], { patientId: PATIENT, slideId: 'slide-1', source: 'test' }));

    // GraphQL reads of every patient, and failing ones
    for (const p of patients) await gql(site, PATIENT_QUERY, { id: p.id });
    await gql(site, PATIENT_QUERY, { id: patient.name?.[0]?.family ?? 'nobody' });
    await gql(site, '{ patient(id: 1) { nope } }');
    await gql(site, PATIENT_QUERY, { id: PATIENT }, { role: 'trial-matcher' });

    const logged = site.logs.text();
    assert.ok(site.logs.lines.length >= 15, `the workload was logged (${site.logs.lines.length} lines)`);
    assert.ok(logged.includes('variants imported') && logged.includes('tiles imported') && logged.includes('fhir import rejected'), 'each kind of import and rejection was logged');
    const hits = phi.filter((value) => logged.includes(value));
    assert.deepEqual(hits, [], `the log holds PHI: ${hits.join(', ')}`);
  });
});
