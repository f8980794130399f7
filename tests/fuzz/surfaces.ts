import { Writable } from 'node:stream';
import { createServices, type Services } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { DomainError } from '../../src/errors/domain-error.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp } from '../helpers/app.ts';
import { fixture } from '../helpers/fixtures.ts';
import { fhirBody, fhirInput, type FhirBody } from './fhir-arbitraries.ts';
import { graphqlRequest, type GraphqlRequest } from './graphql-arbitraries.ts';
import { authHeadersFor, serveLocally, storeFingerprint, TABLES, verdictKeepingStore, verdictOfStatus, withTimeout, type FuzzSurface, type FuzzTarget, type Verdict } from './harness.ts';
import { buildCdsSite, makeEhr } from '../cds-hooks/cds-test-kit.ts';
import { cdsCase, STORED_VCF_PLACEHOLDER, type CdsCase } from './cds-arbitraries.ts';
import { authorizationFor, fakeEhrFetch, type EhrCall } from './cds-fake-ehr.ts';
import { tileInput, type TileCase } from './image-arbitraries.ts';
import { chunksOf, vcfInput, type VcfCase } from './vcf-arbitraries.ts';

/** The fuzzed surfaces, shared by tests/fuzz/*.test.ts and scripts/fuzz.ts. */

const CASE_TIMEOUT_MS = 30_000;
const PATIENT = 'mCODETrialMatchingPatientExample01';

const silent = () => createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** Domain services on a fresh in-memory PGlite, with one fixture patient stored. */
async function openServices(): Promise<{ db: Database; services: Services }> {
  const db = await openDatabase({});
  const config = loadConfig({}, { env: 'test', tileThreads: 1, limits: { maxBundleEntries: 50, maxVcfRecords: 500, maxTilesPerImport: 5 } });
  const services = createServices({ config, db, logger: silent() });
  await services.clinical.importBundle(fixture('fhir/TrialMatching_Patient01.json'), 'fuzz-setup');
  return { db, services };
}

/** A located refusal says where: an issue with an expression, entry, line or file, or a message naming the place. */
const locatedFhir = (err: DomainError) => err.issues.some((i) => i.expression !== undefined || i.entry !== undefined);
const locatedVcf = (err: DomainError) => err.issues.some((i) => i.line !== undefined || i.file !== undefined) || err.message.includes('fuzz.vcf');
const locatedTiles = (err: DomainError) => err.issues.some((i) => i.file !== undefined) || /tile|slide/.test(err.message);

export const fhirServiceSurface: FuzzSurface<unknown> = {
  name: 'fhir-bundle (clinical.importBundle)',
  arbitrary: fhirInput,
  async open(): Promise<FuzzTarget<unknown>> {
    const { db, services } = await openServices();
    return {
      run: (input) => verdictKeepingStore(db, () => withTimeout(CASE_TIMEOUT_MS, services.clinical.importBundle(input, 'fuzz'), 'import'), locatedFhir),
      close: async () => {
        await services.pathology.close();
        await db.close();
      },
    };
  },
};

export const fhirHttpSurface: FuzzSurface<FhirBody> = {
  name: 'fhir-http (POST /fhir)',
  arbitrary: fhirBody,
  describe: (c) => `${c.contentType ?? '(none)'} ${c.body.length > 400 ? `${c.body.slice(0, 400)}… (${c.body.length} chars)` : c.body}`,
  async open(): Promise<FuzzTarget<FhirBody>> {
    const db = await openDatabase({});
    const site = buildTestApp(db, { env: 'test', limits: { maxBundleEntries: 50 } });
    const headers = await authHeadersFor(site, 'ehr');
    const server = await serveLocally(site.app);
    return {
      async run(c): Promise<Verdict> {
        let status = 0;
        let text = '';
        const verdict = await verdictKeepingStore(db, async () => {
          const res = await withTimeout(CASE_TIMEOUT_MS, fetch(`${server.url}/fhir`, { method: 'POST', headers: { ...headers, ...(c.contentType ? { 'content-type': c.contentType } : {}) }, body: c.body }), 'POST /fhir');
          status = res.status;
          text = await res.text();
          // a refusal must also leave the store alone: the wrapper compares it when this throws
          if (status >= 300) throw Object.assign(new Error('refused'), { httpRefusal: true });
        });
        if (verdict.kind === 'violation') return verdict;
        if (status === 0) return verdict; // fetch itself failed: a crash
        return verdictOfStatus(status, text);
      },
      close: async () => {
        await server.close();
        await site.pathology.close();
        await db.close();
      },
    };
  },
};

export const vcfSurface: FuzzSurface<VcfCase> = {
  name: 'vcf (genomics.importVariants)',
  arbitrary: vcfInput,
  async open(): Promise<FuzzTarget<VcfCase>> {
    const { db, services } = await openServices();
    return {
      run: (c) =>
        verdictKeepingStore(
          db,
          () => withTimeout(CASE_TIMEOUT_MS, services.genomics.importVariants(chunksOf(c), { patientId: PATIENT, specimenId: 'fuzz', fileName: 'fuzz.vcf', source: 'fuzz' }), 'vcf import'),
          locatedVcf,
        ),
      close: async () => {
        await services.pathology.close();
        await db.close();
      },
    };
  },
};

export const tileSurface: FuzzSurface<TileCase> = {
  name: 'tiles (pathology.importTiles)',
  arbitrary: tileInput,
  async open(): Promise<FuzzTarget<TileCase>> {
    const { db, services } = await openServices();
    return {
      run: (c) => verdictKeepingStore(db, () => withTimeout(CASE_TIMEOUT_MS, services.pathology.importTiles(c.files, { patientId: PATIENT, slideId: c.slideId, source: 'fuzz' }), 'tile import'), locatedTiles),
      close: async () => {
        await services.pathology.close();
        await db.close();
      },
    };
  },
};

export const graphqlSurface: FuzzSurface<GraphqlRequest> = {
  name: 'graphql (POST/GET /graphql)',
  arbitrary: graphqlRequest,
  async open(): Promise<FuzzTarget<GraphqlRequest>> {
    const db = await openDatabase({});
    const site = buildTestApp(db, { env: 'test', tileThreads: 1, limits: { maxBundleEntries: 50 } });
    for (const f of ['fhir/TrialMatching_Patient01.json', 'fhir/eom-patient-bundle-jane-anyperson.json']) await site.clinical.importBundle(fixture(f), 'fuzz-setup');
    // each role opens other fields; rotating through them lets cases reach every resolver
    const roleHeaders = await Promise.all(['ehr', 'clinician', 'admin', 'trial-matcher'].map((role) => authHeadersFor(site, role)));
    let n = 0;
    const server = await serveLocally(site.app);
    return {
      async run(r): Promise<Verdict> {
        const headers = roleHeaders[n++ % roleHeaders.length]!;
        const init: RequestInit =
          r.method === 'GET'
            ? { method: 'GET', headers: { ...headers, accept: 'application/graphql-response+json' } }
            : {
                method: 'POST',
                headers: { ...headers, 'content-type': r.contentType ?? 'application/json', accept: 'application/graphql-response+json, application/json' },
                body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body),
              };
        const url = r.method === 'GET' ? `${server.url}/graphql?query=${encodeURIComponent(String((r.body as { query?: unknown }).query ?? ''))}` : `${server.url}/graphql`;
        const res = await withTimeout(CASE_TIMEOUT_MS, fetch(url, init), 'graphql request');
        return verdictOfStatus(res.status, await res.text());
      },
      close: async () => {
        await server.close();
        await site.pathology.close();
        await db.close();
      },
    };
  },
};

/** What a CDS Hooks call may write: cards and feedback (the jti replay table is the verifier's, not the request's). */
const CDS_TABLES = [...TABLES, 'cds_card', 'cds_feedback'];
/** The public origin the fuzzed site believes it has: tokens are minted for it. */
const CDS_BASE = 'https://sangam.test';

export const cdsHooksSurface: FuzzSurface<CdsCase> = {
  name: 'cds-hooks (POST/GET /cds-services)',
  arbitrary: cdsCase,
  describe: (c) => `${c.method} /cds-services${c.path} auth=${c.auth} ${c.contentType ?? '(no type)'} ${c.body === undefined ? '' : c.body.length > 500 ? `${c.body.slice(0, 500)}… (${c.body.length} chars)` : c.body}`,
  async open(): Promise<FuzzTarget<CdsCase>> {
    const ehr = await makeEhr('ES384', 'https://ehr.fuzz.test/');
    // signs with a key of its own; its iss is not trusted (and its key is not the trusted EHR's)
    const stranger = await makeEhr('ES384', 'https://stranger.fuzz.test/');
    const calls: EhrCall[] = [];
    const t = await buildCdsSite({
      ehrs: [ehr],
      // short FHIR timeout: the hanging server costs 200 ms, not 5 s; a small body limit is reached cheaply
      config: { publicBaseUrl: CDS_BASE, fhirTimeoutMs: 200, maxBodyBytes: 64 * 1024, maxPagesPerQuery: 5 },
      fhirFetch: fakeEhrFetch(calls),
    });
    // the generated cohort is built only for this surface (a second or two)
    const { EGFR_LUNG, EGFR_TRIAL, importPatient } = await import('../cds-hooks/cohort-patients.ts');
    await t.site.clinical.importBundle(fixture('fhir/TrialMatching_Patient01.json'), 'fuzz-setup');
    await importPatient(t.site, EGFR_LUNG);
    await t.site.trials.registerTrial({ eligibility: EGFR_TRIAL });
    const server = await serveLocally(t.app);
    // nothing else may reach the network either: any fetch that is not to the local server is refused and counted
    const realFetch = globalThis.fetch;
    const escaped: string[] = [];
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith(`${server.url}/`)) return realFetch(input, init);
      escaped.push(url);
      return Promise.reject(new TypeError('fetch failed: the fuzzer reaches no network'));
    }) as typeof fetch;
    let lastGood: string | undefined;
    return {
      async run(c): Promise<Verdict> {
        const aud = `${CDS_BASE}/cds-services${c.path}`;
        const authorization = await authorizationFor(c.auth, aud, ehr, stranger, lastGood);
        const body = c.body?.replaceAll(STORED_VCF_PLACEHOLDER, EGFR_LUNG.biology.id);
        const headers: Record<string, string> = { ...(authorization ? { authorization } : {}), ...(c.contentType ? { 'content-type': c.contentType } : {}) };
        const before = await storeFingerprint(t.db, CDS_TABLES);
        calls.length = 0;
        const res = await withTimeout(CASE_TIMEOUT_MS, realFetch(`${server.url}/cds-services${c.path}`, { method: c.method, headers, ...(body === undefined ? {} : { body }) }), `${c.method} /cds-services`);
        const text = await res.text();
        if (c.auth === 'valid' && res.status !== 401) lastGood = authorization?.slice('Bearer '.length);
        if (escaped.length > 0) return { kind: 'violation', detail: `tried to reach the network: ${escaped.splice(0).join(', ').slice(0, 200)}` };
        const status = verdictOfStatus(res.status, text);
        // a masked 500 says nothing; the router logged the error behind it
        if (status.kind === 'server-error') return { ...status, detail: `${status.detail} | logged: ${lastLoggedError(t.logText())}` };
        if (res.status >= 300) {
          const after = await storeFingerprint(t.db, CDS_TABLES);
          if (after !== before) return { kind: 'violation', detail: `refused (${res.status}) but the store changed: ${before} -> ${after}` };
          if (!/^\{"resourceType":"OperationOutcome"/.test(text)) return { kind: 'violation', detail: `a ${res.status} that is not an OperationOutcome: ${text.slice(0, 200)}` };
        } else if (c.auth !== 'valid') {
          return { kind: 'violation', detail: `answered ${res.status} to a request with a bad token (${c.auth})` };
        }
        // the EHR's access token goes to fhirServer's origin and nowhere else
        const fhirServer = fhirServerOf(body);
        const leaked = calls.find((call) => call.authorization !== null && originOf(call.url) !== originOf(fhirServer));
        if (leaked) return { kind: 'violation', detail: `the access token was sent to ${leaked.url.slice(0, 100)} (fhirServer ${String(fhirServer).slice(0, 100)})` };
        return status;
      },
      close: async () => {
        globalThis.fetch = realFetch;
        await server.close();
        await t.close();
      },
    };
  },
};

function lastLoggedError(log: string): string {
  const line = log.trimEnd().split('\n').findLast((l) => l.includes('unexpected error'));
  if (!line) return '(nothing)';
  const err = (JSON.parse(line) as { err?: { type?: string; message?: string; stack?: string } }).err;
  return `${err?.type ?? ''}: ${err?.message ?? ''} ${(err?.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' < ')}`.slice(0, 600);
}

function fhirServerOf(body: string | undefined): string | undefined {
  try {
    const v = (JSON.parse(body ?? '') as { fhirServer?: unknown }).fhirServer;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function originOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).origin;
  } catch {
    return undefined;
  }
}

export const ALL_SURFACES: FuzzSurface<any>[] = [fhirServiceSurface, fhirHttpSurface, vcfSurface, tileSurface, graphqlSurface, cdsHooksSurface];
