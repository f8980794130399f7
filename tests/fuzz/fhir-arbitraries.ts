import fc from 'fast-check';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { CCRR_PATIENT, CCRR_RESOURCES, FHIR_BUNDLES, fixture } from '../helpers/fixtures.ts';

/**
 * FHIR input generators: small Bundles cut from the real fixtures (a patient and a few of their
 * resources, so references resolve and mapping code runs), then broken by a few random mutations;
 * plus arbitrary JSON and resource-shaped junk. Most cases are bad input; some stay valid.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const bundles = FHIR_BUNDLES.map((f) => fixture<Bundle>(f));
const ccrr: BundleEntry[] = [{ resource: CCRR_PATIENT as never }, ...CCRR_RESOURCES.map((f) => ({ resource: fixture(f) as never }))];

/** Per fixture: its Patient entries and the rest. */
const pools = [...bundles.map((b) => ({ type: b.type ?? 'collection', entries: b.entry ?? [] })), { type: 'collection' as const, entries: ccrr }].map((p) => ({
  type: p.type,
  patients: p.entries.filter((e) => e.resource?.resourceType === 'Patient'),
  rest: p.entries.filter((e) => e.resource?.resourceType !== 'Patient'),
}));

/** A valid small Bundle: a fixture's patient with up to `max` of its other entries. */
export const fixtureSlice = (max = 6): fc.Arbitrary<Bundle> =>
  fc.constantFrom(...pools).chain((p) =>
    fc.subarray(p.rest.slice(0, 200), { maxLength: max }).map((rest) => ({ resourceType: 'Bundle', type: p.type as Bundle['type'], entry: [...p.patients, ...rest] }) as Bundle),
  );

/** Values that have broken parsers before: edge strings, numbers and shapes. */
export const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>('', ' ', '\u0000', '\uffff', '\ud800', 'a'.repeat(5000), 'Patient/', 'Patient/does-not-exist', 'urn:uuid:00000000-0000-0000-0000-000000000000', '#', '__proto__', 'constructor', '2020-13-45', '1900-01-01T25:61:00Z', '-0', 'NaN', '../../etc/passwd', '%00', '${jndi:ldap://x}', '<script>', 'null'),
  fc.constantFrom<Json>(0, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, -1, 4294967296, true, false, null, [], {}, [null], { resourceType: 'Patient' }, { reference: 'Patient/x' }, JSON.parse('{"__proto__":{"polluted":1}}') as Json),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

export interface Mutation {
  at: number;
  op: 'delete' | 'replace' | 'wrap' | 'stringify' | 'duplicate' | 'rename';
  value: Json;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'replace', 'wrap', 'stringify', 'duplicate', 'rename'),
  value: nasty,
});

/** Every (container, key) place in a JSON tree, root excluded. */
function places(root: Json): [Record<string, Json> | Json[], string | number][] {
  const out: [Record<string, Json> | Json[], string | number][] = [];
  const walk = (node: Json) => {
    if (Array.isArray(node)) node.forEach((v, i) => (out.push([node, i]), walk(v)));
    else if (node && typeof node === 'object') for (const k of Object.keys(node)) (out.push([node, k]), walk(node[k]!));
  };
  walk(root);
  return out;
}

/** Applies one mutation in place, at the `at`-th place (modulo their number) of the tree. */
export function applyMutation(root: Json, m: Mutation): void {
  const all = places(root);
  if (all.length === 0) return;
  const [container, key] = all[m.at % all.length]!;
  const get = () => (container as Record<string | number, Json>)[key]!;
  const set = (v: Json) => void ((container as Record<string | number, Json>)[key] = v);
  switch (m.op) {
    case 'delete':
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
      return;
    case 'replace':
      return set(m.value);
    case 'wrap':
      return set([get()]);
    case 'stringify':
      return set(JSON.stringify(get()) ?? null);
    case 'duplicate':
      if (Array.isArray(container)) container.push(structuredClone(get()));
      else (container as Record<string, Json>)[`${String(key)}_`] = structuredClone(get());
      return;
    case 'rename':
      if (!Array.isArray(container)) {
        const v = get();
        delete container[key as string];
        container[typeof m.value === 'string' && m.value.length < 64 ? m.value : `${String(key)}X`] = v;
      }
  }
}

/** A fixture slice broken by 0-4 mutations (0 leaves it valid). */
export const mutatedBundle: fc.Arbitrary<Json> = fc.tuple(fixtureSlice(), fc.array(mutation, { maxLength: 4 })).map(([b, ms]) => {
  const copy = structuredClone(b) as unknown as Json;
  for (const m of ms) applyMutation(copy, m);
  return copy;
});

/** Resource-shaped junk: a plausible resourceType with random fields. */
const junkResource: fc.Arbitrary<Json> = fc.record({
  resourceType: fc.constantFrom('Patient', 'Observation', 'Condition', 'Bundle', 'Specimen', 'MedicationStatement', 'Foo', 'patient', ''),
  id: fc.oneof(fc.constant('p1'), nasty),
  extra: fc.dictionary(fc.string({ maxLength: 12 }), nasty, { maxKeys: 5 }),
}).map(({ extra, ...r }) => ({ ...extra, ...r }) as Json);

const junkBundle: fc.Arbitrary<Json> = fc.record({
  resourceType: fc.constant('Bundle'),
  type: fc.constantFrom('collection', 'transaction', 'batch', 'searchset', 'document', 'bogus'),
  entry: fc.array(fc.record({ fullUrl: fc.option(nasty, { nil: undefined }), resource: junkResource, request: fc.option(fc.record({ method: fc.constantFrom('POST', 'PUT', 'DELETE', 'GET'), url: nasty }), { nil: undefined }) }, { requiredKeys: ['resource'] }), { maxLength: 5 }),
}) as fc.Arbitrary<Json>;

/** Any FHIR import input, as parsed JSON. */
export const fhirInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: mutatedBundle },
  { weight: 2, arbitrary: junkBundle },
  { weight: 1, arbitrary: junkResource },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A body sent to POST /fhir: text (often not JSON at all) and a content type. */
export interface FhirBody {
  contentType: string | undefined;
  body: string;
}

const deepNesting = fc.integer({ min: 1_000, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const deepObject = fc.integer({ min: 1_000, max: 20_000 }).map((n) => `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","x":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}}]}`);

export const fhirBody: fc.Arbitrary<FhirBody> = fc.record({
  contentType: fc.constantFrom('application/fhir+json', 'application/fhir+json', 'application/json', 'application/json; charset=utf-8', 'application/fhir+json; charset=latin1', 'application/fhir+json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=x', undefined),
  body: fc.oneof(
    { weight: 6, arbitrary: fhirInput.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: fc.tuple(mutatedBundle, fc.nat(), fc.string({ maxLength: 3 })).map(([b, cut, ins]) => { const s = JSON.stringify(b); const at = cut % (s.length + 1); return s.slice(0, at) + ins + s.slice(at + (cut % 3)); }) },
    { weight: 1, arbitrary: fc.oneof(deepNesting, deepObject) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('', '\ufeff{}', '{"resourceType":"Bundle"', 'null', '[]', '"Bundle"', '{"resourceType":"Bundle","__proto__":{"type":"transaction"}}', '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"a"}},{"resource":{"resourceType":"Patient","id":"a"}}]}')) },
  ),
});
