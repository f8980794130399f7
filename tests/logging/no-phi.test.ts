import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { serializeError } from '../../src/logging/logger.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp, gql, bearer } from '../helpers/app.ts';
import { FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

/** Names, birth dates and identifier values of every patient in the fixtures. */
function phiOf(bundles: Bundle[]): string[] {
  const out = new Set<string>();
  for (const b of bundles) {
    for (const e of b.entry ?? []) {
      const p = e.resource as Patient | undefined;
      if (p?.resourceType !== 'Patient') continue;
      for (const n of p.name ?? []) for (const part of [n.family, ...(n.given ?? [])]) if (part && part.length > 2) out.add(part);
      if (p.birthDate) out.add(p.birthDate);
      for (const id of p.identifier ?? []) if (id.value && id.value.length > 3) out.add(id.value);
    }
  }
  // ids are logged on purpose; a name that is part of an example's id (e.g. "TrialMatching") cannot be told apart
  const ids = bundles.flatMap((b) => (b.entry ?? []).map((e) => e.resource?.id ?? ''));
  return [...out].filter((v) => !ids.some((id) => id.includes(v)));
}

describe('no PHI in logs', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({});
  });
  after(() => db.close());

  it('logs ids and codes, never names, birth dates or identifiers, through imports, rejections and failures', async () => {
    const bundles = FHIR_BUNDLES.map((f) => fixture<Bundle>(f));
    const phi = phiOf(bundles);
    assert.ok(phi.length >= 10, `expected names, birth dates and identifiers to look for, got ${phi.length}`);
    const site = buildTestApp(db);
    for (const b of bundles) await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', 'application/fhir+json').send(JSON.stringify(b));
    // a rejected copy of a real patient, and a store failure carrying patient text in its message
    const patient = bundles[4]!.entry!.find((e) => e.resource?.resourceType === 'Patient')!.resource as Patient;
    await gql(site, 'mutation($b: JSON!) { importFhirBundle(bundle: $b) { importId } }', { b: { ...patient, gender: 42 } });
    const failing = buildTestApp({ ...db, transaction: async () => { throw Object.assign(new Error(`bad row ${JSON.stringify(patient.name)}`), { code: '22P02', detail: JSON.stringify(patient) }); } } as Database);
    const res = await request(failing.app).post('/fhir').set('authorization', await bearer(failing)).set('content-type', 'application/fhir+json').send(JSON.stringify(bundles[0]));
    assert.equal(res.status, 500);
    await gql(site, `{ patient(id: "${patient.id}") { clinical { sex { value } } } }`);
    const logged = site.logs.text() + failing.logs.text();
    assert.ok(site.logs.lines.length >= 5, 'the imports were logged');
    assert.ok(failing.logs.lines.some((l) => (l.err as { code?: string } | undefined)?.code === '22P02'), 'the failure was logged, by code');
    for (const value of phi) assert.ok(!logged.includes(value), `log contains ${value}`);
  });

  it('serialises database errors without their message, detail or query', () => {
    const err = Object.assign(new Error('invalid input: "Smithers"'), { code: '22P02', detail: 'Smithers', where: 'Smithers', query: 'Smithers' });
    const s = JSON.stringify(serializeError(err));
    assert.doesNotMatch(s, /Smithers/);
    assert.match(s, /22P02/);
    assert.match(JSON.stringify(serializeError(new Error('config missing'))), /config missing/);
  });
});
