import type { Client, FhirResource, RequestOptions } from 'fhir-kit-client';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { ErrorCode } from '../../errors/domain-error.ts';
import { FhirPullError, redactUrl, requestFailed } from './pull-error.ts';

/** What every request of one pull shares. */
export interface FhirSession {
  client: Client;
  baseUrl: string;
  signal: AbortSignal | undefined;
  /** a fresh token for each request (SMART Backend Services), when the server needs one */
  accessToken?: () => Promise<string>;
}

/** One page of search results and the URL it came from. */
export interface SearchPage {
  url: string;
  bundle: Bundle;
}

function requestOptions(session: FhirSession): RequestOptions {
  return session.signal ? { signal: session.signal } : {};
}

/** Runs one fhir-kit-client call for `url`, turning its failures into errors that name the URL. */
export async function fetchResource(session: FhirSession, url: string, call: (options: RequestOptions) => Promise<FhirResource> | undefined): Promise<Resource> {
  session.signal?.throwIfAborted();
  let result: FhirResource | undefined;
  try {
    // the client reuses its grant until it nears expiry, so this asks the EHR only when needed
    if (session.accessToken) session.client.bearerToken = await session.accessToken();
    result = await call(requestOptions(session));
  } catch (err) {
    throw requestFailed(err, url, session.signal);
  }
  if (!result || typeof result.resourceType !== 'string') {
    throw upstream(`FHIR server answered GET ${redactUrl(url)} with something that is not a FHIR resource`, url);
  }
  return result as unknown as Resource;
}

/**
 * Runs `GET {resourceType}?{params}` and yields every page, following `next` links (via
 * `client.nextPage`) until there are none. A `next` link to another origin is refused (the bearer
 * token would go with it), and so is a link already followed (a server paging in a loop).
 */
export async function* searchPages(session: FhirSession, resourceType: string, params: Record<string, string | number>): AsyncGenerator<SearchPage> {
  const { client } = session;
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  let url = client.httpClient.expandUrl(`${resourceType}?${query}`);
  let bundle = asBundle(await fetchResource(session, url, (options) => client.resourceSearch({ resourceType, searchParams: params, options })), url);
  const followed = new Set<string>([url]);
  const origin = new URL(client.httpClient.expandUrl('')).origin;
  for (;;) {
    yield { url, bundle };
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return;
    const nextUrl = client.httpClient.expandUrl(next);
    if (originOf(nextUrl) !== origin) {
      throw upstream(`FHIR server's next link from GET ${redactUrl(url)} leads to another origin (${originOf(nextUrl) ?? 'not a URL'}); refusing to follow it`, url);
    }
    if (followed.has(nextUrl)) {
      throw upstream(`FHIR server's next link from GET ${redactUrl(url)} repeats a page already read; stopping`, url);
    }
    followed.add(nextUrl);
    const current = { ...bundle, link: (bundle.link ?? []).map((l) => ({ relation: l.relation ?? '', url: l.url ?? '' })) };
    url = nextUrl;
    bundle = asBundle(await fetchResource(session, url, (options) => client.nextPage({ bundle: current, options })), url);
  }
}

/** The entries of a search page that are matches: `search.mode` match or absent, not OperationOutcomes. */
export function classifyEntry(entry: BundleEntry, resourceType: string): 'match' | 'outcome' | 'other' {
  const resource = entry.resource;
  if (resource?.resourceType === 'OperationOutcome' || entry.search?.mode === 'outcome') return 'outcome';
  if (!resource || (entry.search?.mode !== undefined && entry.search.mode !== 'match')) return 'other';
  return resource.resourceType === resourceType ? 'match' : 'other';
}

function asBundle(resource: Resource, url: string): Bundle {
  if (resource.resourceType !== 'Bundle') {
    throw upstream(`FHIR server answered GET ${redactUrl(url)} with a ${resource.resourceType}, not a search Bundle`, url);
  }
  return resource;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function upstream(message: string, url: string): FhirPullError {
  return new FhirPullError(ErrorCode.UPSTREAM_FAILED, message, { url: redactUrl(url) });
}
