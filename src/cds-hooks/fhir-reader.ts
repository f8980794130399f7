/**
 * Reads from the EHR's FHIR server named in a hook call: one read or one search, following
 * `link[relation=next]` page by page. The bearer token (fhirAuthorization.access_token) goes only
 * to the fhirServer's origin: a next link elsewhere is refused. The token is never logged or stored.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';

export interface FhirReaderOptions {
  fetch: typeof globalThis.fetch;
  baseUrl: string;
  accessToken?: string;
  timeoutMs: number;
  maxPages: number;
}

/** A failed read, with a message that names the query but never the token. */
export class FhirReadError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'FhirReadError';
  }
}

const FHIR_JSON = 'application/fhir+json';

async function getJson(url: string, options: FhirReaderOptions): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await options.fetch(url, {
      headers: { accept: FHIR_JSON, ...(options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}) },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw new FhirReadError(`FHIR server could not be reached (${(err as Error).name})`);
  }
  const text = await res.text();
  if (res.status === 404 || res.status === 410) return { status: res.status, body: undefined };
  if (!res.ok) throw new FhirReadError(`FHIR server answered HTTP ${res.status}`, res.status);
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new FhirReadError('FHIR server answered with something that is not JSON');
  }
}

const isResource = (v: unknown): v is Resource => typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string';

/** The resources of a search page that are matches (not OperationOutcomes or included extras). */
export function matchesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => {
    const r = e.resource as unknown;
    if (!isResource(r) || r.resourceType === 'OperationOutcome' || e.search?.mode === 'outcome') return [];
    return [r];
  });
}

export function nextLinkOf(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

function resolveUrl(baseUrl: string, relative: string): string {
  return /^https?:\/\//.test(relative) ? relative : `${baseUrl.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}`;
}

/** Reads `Type/id`; undefined when the server says it does not exist. */
export async function readResource(query: string, options: FhirReaderOptions): Promise<Resource | undefined> {
  const { body } = await getJson(resolveUrl(options.baseUrl, query), options);
  if (body === undefined) return undefined;
  if (!isResource(body)) throw new FhirReadError(`FHIR server answered GET ${query.split('?')[0]} with something that is not a resource`);
  return body;
}

/**
 * Follows a searchset from its first page (fetched here from `query`, or given as `first`) through
 * its next links; returns the matches of every page.
 */
export async function readAllPages(query: string | Bundle, options: FhirReaderOptions): Promise<Resource[]> {
  const origin = new URL(options.baseUrl).origin;
  const seen = new Set<string>();
  let bundle: Bundle;
  if (typeof query === 'string') {
    const url = resolveUrl(options.baseUrl, query);
    seen.add(url);
    const { body } = await getJson(url, options);
    if (body === undefined) return [];
    if (!isResource(body) || body.resourceType !== 'Bundle') throw new FhirReadError(`FHIR server answered a search for ${query.split('?')[0]} with something that is not a Bundle`);
    bundle = body as Bundle;
  } else bundle = query;
  const out = matchesOf(bundle);
  for (let page = 1; ; page++) {
    const next = nextLinkOf(bundle);
    if (!next) return out;
    if (page >= options.maxPages) throw new FhirReadError(`search has more than ${options.maxPages} pages`);
    const url = resolveUrl(options.baseUrl, next);
    let nextOrigin: string | undefined;
    try {
      nextOrigin = new URL(url).origin;
    } catch {
      nextOrigin = undefined;
    }
    // the token goes with the request, so it must not follow a link to another server
    if (nextOrigin !== origin) throw new FhirReadError('a next link leads away from fhirServer; refusing to follow it');
    if (seen.has(url)) throw new FhirReadError('a next link repeats a page already read');
    seen.add(url);
    const { body } = await getJson(url, options);
    if (!isResource(body) || body.resourceType !== 'Bundle') throw new FhirReadError('a next page is not a Bundle');
    bundle = body as Bundle;
    out.push(...matchesOf(bundle));
  }
}
