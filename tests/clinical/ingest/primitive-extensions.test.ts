import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { findBadPrimitiveExtensions } from '../../../src/clinical/ingest/primitive-extensions.ts';
import { checkResource } from '../../../src/clinical/ingest/validate-resource.ts';
import type { Database } from '../../../src/storage/port.ts';
import { bearer, buildTestApp } from '../../helpers/app.ts';
import { openDatabase } from '../../../src/storage/open-database.ts';
import { fixture } from '../../helpers/fixtures.ts';

/**
 * A primitive extension (`_gender`) that is not an object made @medplum/core's validator throw a
 * plain `Error: Primitive extension must be an object` (or a TypeError), which POST /fhir answered
 * with 500. These are the fuzzer's inputs: the synthea cancer-86 Bundle with its Patient's
 * `_gender` (an object in the fixture) sent in other shapes.
 */
const SYNTHEA = 'fhir/synthea-cancer-patient-86-transaction-bundle.json';
const FHIR = 'application/fhir+json';

function synthea(): { bundle: Bundle; index: number; patient: Patient & Record<string, unknown> } {
  const bundle = fixture<Bundle>(SYNTHEA);
  const index = bundle.entry!.findIndex((e) => e.resource?.resourceType === 'Patient');
  return { bundle, index, patient: bundle.entry![index]!.resource as Patient & Record<string, unknown> };
}

async function rowCounts(db: Database): Promise<string> {
  const r = await db.query('SELECT (SELECT count(*) FROM fhir_resource) AS r, (SELECT count(*) FROM fhir_resource_version) AS v, (SELECT count(*) FROM import_batch) AS b, (SELECT count(*) FROM patient_summary) AS s');
  return JSON.stringify(r.rows[0]);
}

describe('primitive extensions that are not objects', () => {
  it('are located issues of the resource, not a thrown error, whatever the shape', () => {
    const { patient } = synthea();
    const bad: [unknown, string][] = [
      [[patient._gender], 'Patient._gender'], // the fuzzer's case: the object wrapped in an array
      [['male'], 'Patient._gender'],
      ['male', 'Patient._gender'],
      [3, 'Patient._gender'],
      [true, 'Patient._gender'],
    ];
    for (const [value, expression] of bad) {
      const issues = checkResource({ ...patient, _gender: value } as Patient, 'Patient');
      assert.equal(issues.length, 1, JSON.stringify(value));
      assert.equal(issues[0]!.expression, expression);
      assert.match(issues[0]!.message, /primitive extension must be an object/);
    }
    // repeating elements: an array of objects or nulls, one per value
    const name = { ...patient.name![0], _given: [3] };
    assert.deepEqual(
      checkResource({ ...patient, name: [name] } as Patient, 'Bundle.entry[1].resource', 1).map((i) => [i.entry, i.expression]),
      [[1, 'Bundle.entry[1].resource.name[0]._given[0]']],
    );
    // deep places the validator also threw on: contained resources, extension values, references
    assert.deepEqual(
      findBadPrimitiveExtensions({ resourceType: 'Patient', contained: [{ resourceType: 'Patient', _id: 3 }], extension: [{ url: 'u', valueReference: { _reference: 'x' } }] }, 'Patient').map((i) => i.expression).sort(),
      ['Patient.contained[0]._id', 'Patient.extension[0].valueReference._reference'],
    );
  });

  it('leaves well-formed primitive extensions to the validator, which accepts them', () => {
    const { patient } = synthea();
    assert.deepEqual(checkResource(patient, 'Patient'), []);
    const ext = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    const given = { ...patient.name![0], given: ['A', 'B'], _given: [null, ext] };
    assert.deepEqual(checkResource({ ...patient, name: [given], _birthDate: ext } as Patient, 'Patient'), []);
    // `_gender: null` is the validator's to report, as it did before
    assert.deepEqual(checkResource({ ...patient, _gender: null } as unknown as Patient, 'Patient').map((i) => i.expression), ['Patient._gender']);
  });

  it('turns any other error the validator throws on a resource into an issue located at that resource', () => {
    // no JSON input is known to do this any more; a property that fails once the validator reads it stands in
    const { _gender, ...patient } = synthea().patient;
    let reads = 0;
    // read once by the shape check, then by the validator
    const resource = Object.defineProperty({ ...patient }, 'gender', {
      enumerable: true,
      get() {
        if (++reads > 1) throw new TypeError('unexpected shape');
        return 'male';
      },
    });
    assert.deepEqual(checkResource(resource, 'Bundle.entry[1].resource', 1), [
      { entry: 1, expression: 'Bundle.entry[1].resource', message: 'the resource could not be validated (TypeError: unexpected shape)' },
    ]);
  });

  describe('POST /fhir', () => {
    let db: Database;
    let site: ReturnType<typeof buildTestApp>;
    before(async () => {
      db = await openDatabase({});
      site = buildTestApp(db);
    });
    after(() => db.close());

    it('answers 400 with an OperationOutcome naming the entry and `_gender`, and stores nothing', async () => {
      const { bundle, index, patient } = synthea();
      patient._gender = [patient._gender];
      const before = await rowCounts(db);
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(JSON.stringify(bundle));
      assert.equal(res.status, 400, res.text.slice(0, 300));
      const oo = JSON.parse(res.text) as { resourceType: string; issue: { code: string; expression?: string[]; diagnostics: string }[] };
      assert.equal(oo.resourceType, 'OperationOutcome');
      assert.deepEqual(
        oo.issue.map((i) => [i.code, i.expression]),
        [['invalid', [`Bundle.entry[${index}].resource._gender`]]],
      );
      assert.equal(await rowCounts(db), before);
      assert.doesNotMatch(site.logs.text(), /Primitive extension must be an object/);
    });

    it('answers 400 for the Patient sent alone, located at `Patient._gender`', async () => {
      const { patient } = synthea();
      const res = await request(site.app).post('/fhir').set('authorization', await bearer(site)).set('content-type', FHIR).send(JSON.stringify({ ...patient, _gender: 'male' }));
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.deepEqual(JSON.parse(res.text).issue[0].expression, ['Patient._gender']);
      assert.equal(await rowCounts(db), JSON.stringify({ r: 0, v: 0, b: 0, s: 0 }));
    });
  });
});
