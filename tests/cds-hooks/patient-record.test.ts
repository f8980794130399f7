import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdsHooksError } from '../../src/cds-hooks/cds-errors.ts';
import type { HookRequest } from '../../src/cds-hooks/hook-request.ts';
import { loadPatientRecord } from '../../src/cds-hooks/patient-record.ts';
import { RECORD_PREFETCH } from '../../src/cds-hooks/service-definitions.ts';

/**
 * The record a hook call supplies when its prefetch or its FHIR server is malformed or fails
 * midway: a clean 400 (the EHR's prefetch) or 412 (its server), never an escaping TypeError.
 */

const FHIR = 'https://ehr.test/fhir';
const PATIENT = { resourceType: 'Patient', id: 'p1' };
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
const emptySearch = { resourceType: 'Bundle', type: 'searchset', entry: [] };

function hookRequest(prefetch: Record<string, unknown>, fhirServer?: string): HookRequest {
  return { hook: 'patient-view', hookInstance: 'h1', context: { userId: 'Practitioner/1', patientId: 'p1' }, prefetch, ...(fhirServer ? { fhirServer } : {}) } as HookRequest;
}

/** A FHIR server that knows p1 and answers every search with `search(url)`. */
const serverFetch = (search: (url: string) => Response) =>
  (async (input: string | URL | Request) => {
    const url = String(input);
    return url.endsWith('/Patient/p1') ? json(PATIENT) : search(url);
  }) as typeof fetch;

const options = (f: typeof fetch) => ({ fetch: f, timeoutMs: 1000, maxPages: 5, maxResources: 1000 });

async function refusal(run: Promise<unknown>): Promise<CdsHooksError> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof CdsHooksError, `expected a CdsHooksError, got ${String(err)}`);
    return err;
  }
  assert.fail('the record was accepted');
}

const refusing = (async () => assert.fail('the prefetch should not be re-read')) as unknown as typeof fetch;

describe('a malformed prefetch searchset', () => {
  it('answers 400 naming the entry for the fuzzer’s `prefetch.conditions.entry: [null]`', async () => {
    const prefetch = { patient: PATIENT, conditions: { resourceType: 'Bundle', type: 'searchset', entry: [null] }, observations: null, medications: null };
    const err = await refusal(loadPatientRecord(hookRequest(prefetch), RECORD_PREFETCH, options(refusing)));
    assert.equal(err.httpStatus, 400);
    assert.deepEqual(err.issues.map((i) => i.expression), ['prefetch.conditions.entry[0]']);
    assert.match(err.issues[0]!.message, /^prefetch\.conditions\.entry\[0\]: .*expected object, received null/);
  });

  it('answers 400 for entries that are not objects, an entry list that is not an array and a next link without a url', async () => {
    const cases: [unknown, string][] = [
      [{ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: PATIENT }, 1, 'x'] }, 'prefetch.patient.entry[1]'],
      [{ resourceType: 'Bundle', type: 'searchset', entry: 'x' }, 'prefetch.patient.entry'],
      [{ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 5 }] }, 'prefetch.patient.link[0].url'],
      [{ resourceType: 'Bundle', type: 'searchset', link: [null] }, 'prefetch.patient.link[0]'],
    ];
    for (const [bundle, expression] of cases) {
      const err = await refusal(loadPatientRecord(hookRequest({ patient: bundle, conditions: null, observations: null, medications: null }, FHIR), RECORD_PREFETCH, options(refusing)));
      assert.equal(err.httpStatus, 400, expression);
      assert.deepEqual(err.issues.map((i) => i.expression), [expression]);
    }
  });

  it('still takes entries without a resource as no match, as before', async () => {
    const conditions = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: null }, {}, { resource: { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' } } }] };
    const record = await loadPatientRecord(hookRequest({ patient: PATIENT, conditions, observations: null, medications: null }), RECORD_PREFETCH, options(refusing));
    assert.deepEqual(record.resources.map((r) => `${r.resourceType}/${r.id}`), ['Patient/p1', 'Condition/c1']);
  });
});

describe('a FHIR server that answers badly', () => {
  it('answers 412 for a search page with a null entry', async () => {
    const f = serverFetch((url) => (url.includes('Condition?') ? json({ resourceType: 'Bundle', type: 'searchset', entry: [null] }) : json(emptySearch)));
    const err = await refusal(loadPatientRecord(hookRequest({}, FHIR), RECORD_PREFETCH, options(f)));
    assert.equal(err.httpStatus, 412);
    assert.deepEqual(err.issues.map((i) => i.expression), ['prefetch.conditions']);
    assert.match(err.issues[0]!.message, /malformed Bundle \(entry\[0\]/);
  });

  it('answers 412 when the body fails mid-read (the fuzzer’s dropped connection), not a TypeError', async () => {
    const dropped = () => new Response(new ReadableStream({ start: (c) => c.error(new TypeError('terminated')) }), { status: 200 });
    const f = serverFetch((url) => (url.includes('Observation?') ? dropped() : json(emptySearch)));
    const err = await refusal(loadPatientRecord(hookRequest({}, FHIR), RECORD_PREFETCH, options(f)));
    assert.equal(err.httpStatus, 412);
    assert.deepEqual(err.issues.map((i) => [i.expression, i.message]), [['prefetch.observations', "FHIR server's answer could not be read (TypeError) (GET Observation)"]]);
  });
});
