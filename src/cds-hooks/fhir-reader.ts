/**
 * Reads from the EHR's FHIR server named in a hook call: one read or one search, following
 * `link[relation=next]` page by page. The bearer token (fhirAuthorization.access_token) goes only
 * to the fhirServer's origin: a next link elsewhere is refused. The token is never logged or stored.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { z } from 'zod';

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
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    // the connection can drop, or the timeout fire, after the status line and before the body ends
    throw new FhirReadError(`FHIR server's answer could not be read (${(err as Error).name})`);
  }
  if (res.status === 404 || res.status === 410) return { status: res.status, body: undefined };
  if (!res.ok) throw new FhirReadError(`FHIR server answered HTTP ${res.status}`, res.status);
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new FhirReadError('FHIR server answered with something that is not JSON');
  }
}

const isResource = (v: unknown): v is Resource => typeof v === 'object' && v !== null && typeof (v as { resourceType?: unknown }).resourceType === 'string';

/**
 * The parts of a searchset Bundle this reader walks (http://hl7.org/fhir/R4/bundle.html): `entry`
 * and `link` are arrays of objects, and a next link has a url. What an entry holds is not checked
 * here: an entry without a resource is simply not a match.
 */
const SearchsetShape = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({})).nullish(),
  link: z
    .array(z.looseObject({ relation: z.unknown(), url: z.unknown() }).refine((l) => l.relation !== 'next' || typeof l.url === 'string', { message: 'a next link needs a url', path: ['url'] }))
    .nullish(),
});

/** Where and why a value is not a searchset Bundle that can be read (`entry[0]`: a null entry...); undefined when it can. */
export function searchsetProblem(value: unknown): { path: string; message: string } | undefined {
  const parsed = SearchsetShape.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return { path, message: issue.message };
}

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
 * Follows a searchset from its first page (fetched here from `query`, or given, already checked with
 * searchsetProblem) through its next links; returns the matches of every page.
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
    const problem = searchsetProblem(body);
    if (problem) throw new FhirReadError(`FHIR server answered a search for ${query.split('?')[0]} with a malformed Bundle (${problem.path}: ${problem.message})`);
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
    const problem = searchsetProblem(body);
    if (problem) throw new FhirReadError(`a next page is a malformed Bundle (${problem.path}: ${problem.message})`);
    bundle = body as Bundle;
    out.push(...matchesOf(bundle));
  }
}
