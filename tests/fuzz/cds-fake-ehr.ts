import type { Resource } from '@medplum/fhirtypes';
import type { TestEhr } from '../cds-hooks/cds-test-kit.ts';
import { BROKEN_BASE, DOWN_BASE, FHIR_BASE, SLOW_BASE, SUPPLIED_PATIENT, suppliedSearch, type CdsAuth } from './cds-arbitraries.ts';

/**
 * The EHR side of the CDS Hooks fuzzer: a fetch that plays every FHIR server a generated case can
 * name, from memory, and refuses any other URL so that no case ever reaches the network; and the
 * bearer token each case asks for.
 */

/** A request the CDS service made to a FHIR server, with the bearer it sent. */
export interface EhrCall {
  url: string;
  authorization: string | null;
}

const PAGE = 2;
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/fhir+json' } });

/** FHIR_BASE: the supplied patient's read and searches, paged by two with absolute next links. */
function answerFhir(path: string): Response {
  const [resourcePath = '', query = ''] = path.split('?', 2);
  if (!path.includes('?')) {
    if (resourcePath === `Patient/${SUPPLIED_PATIENT}`) return json(suppliedSearch('Patient')[0]);
    return json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }, 404);
  }
  const params = new URLSearchParams(query);
  const matches: Resource[] = params.get('patient') === `Patient/${SUPPLIED_PATIENT}` ? suppliedSearch(resourcePath) : [];
  const offset = Math.max(0, Number(params.get('_offset')) || 0);
  const page = matches.slice(offset, offset + PAGE);
  const next = offset + PAGE < matches.length ? [{ relation: 'next', url: `${FHIR_BASE}/${resourcePath}?patient=Patient/${SUPPLIED_PATIENT}&_offset=${offset + PAGE}` }] : [];
  return json({ resourceType: 'Bundle', type: 'searchset', total: matches.length, link: next, entry: page.map((resource) => ({ resource, search: { mode: 'match' } })) });
}

/** BROKEN_BASE: one misbehaviour after another. */
const BROKEN: ((url: string) => Response)[] = [
  () => new Response('upstream exploded', { status: 500 }),
  () => new Response('<html>not json</html>', { status: 200 }),
  () => json({ resourceType: 'Patient', id: 'someone-else' }),
  (url) => json({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url }], entry: [] }),
  () => json({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 'https://elsewhere.fuzz.test/page2' }], entry: [] }),
  () => json([]),
  () => json(null),
  () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.fuzz.test/' } }),
  // the connection drops in the middle of the body
  () => new Response(new ReadableStream({ start: (c) => c.error(new TypeError('terminated')) }), { status: 200 }),
];

/** The fetch handed to the CDS router for FHIR reads; `calls` records what was asked. */
export function fakeEhrFetch(calls: EhrCall[]): typeof fetch {
  let broken = 0;
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    if (url.startsWith(`${FHIR_BASE}/`)) return answerFhir(url.slice(FHIR_BASE.length + 1));
    if (url.startsWith(SLOW_BASE)) {
      // answers nothing; only the caller's timeout ends the wait
      return new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal;
        if (!signal) return reject(new TypeError('the fuzzer will not hang a request that has no signal'));
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (url.startsWith(BROKEN_BASE)) return BROKEN[broken++ % BROKEN.length]!(url);
    if (url.startsWith(DOWN_BASE)) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    throw new TypeError(`fetch failed: the fuzzer reaches no network (${url.slice(0, 80)})`);
  }) as typeof fetch;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * The Authorization header for a case: a good token for `aud`, or one that must be refused.
 * `lastGood` is a token already used once (for `replayed`).
 */
export async function authorizationFor(kind: CdsAuth, aud: string, ehr: TestEhr, stranger: TestEhr, lastGood: string | undefined): Promise<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'valid':
      return `Bearer ${await ehr.token(aud)}`;
    case 'none':
      return undefined;
    case 'not-bearer':
      return `Basic ${Buffer.from('ehr:secret').toString('base64')}`;
    case 'garbage':
      return 'Bearer abc.def.ghi';
    case 'wrong-aud':
      return `Bearer ${await ehr.token(`${aud}/elsewhere`)}`;
    case 'expired':
      return `Bearer ${await ehr.token(aud, { iat: now - 3600, exp: now - 3500 })}`;
    case 'too-long-lived':
      return `Bearer ${await ehr.token(aud, { iat: now, exp: now + 3 * 3600 })}`;
    case 'issued-in-future':
      return `Bearer ${await ehr.token(aud, { iat: now + 3600, exp: now + 3700 })}`;
    case 'untrusted-iss':
      return `Bearer ${await stranger.token(aud)}`;
    case 'forged-signature':
      // the trusted EHR's iss, jku and kid, signed with another key
      return `Bearer ${await stranger.token(aud, { iss: ehr.iss }, { jku: ehr.jku, kid: ehr.kid })}`;
    case 'jku-not-allowed':
      return `Bearer ${await ehr.token(aud, {}, { jku: 'https://evil.fuzz.test/jwks.json' })}`;
    case 'no-kid':
      return `Bearer ${await ehr.token(aud, {}, { kid: undefined })}`;
    case 'no-jti':
      return `Bearer ${await ehr.token(aud, { jti: undefined })}`;
    case 'alg-none':
      return `Bearer ${b64({ alg: 'none', typ: 'JWT', kid: ehr.kid })}.${b64({ iss: ehr.iss, aud, iat: now, exp: now + 60, jti: crypto.randomUUID() })}.`;
    case 'replayed':
      return lastGood ? `Bearer ${lastGood}` : 'Bearer abc.def.ghi';
  }
}
