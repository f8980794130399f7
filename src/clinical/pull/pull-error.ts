import { DomainError, ErrorCode } from '../../errors/domain-error.ts';

/**
 * A failed pull from an EHR's FHIR server. Messages name the URL (resource ids are fine there) and
 * never carry anything from a response body, which could hold names or identifiers.
 */
export class FhirPullError extends DomainError {
  /** the request that failed, when there was one */
  readonly url: string | undefined;
  /** the HTTP status the server answered with, when it answered */
  readonly status: number | undefined;

  constructor(code: ErrorCode, message: string, details: { url?: string | undefined; status?: number | undefined } = {}) {
    super(code, message);
    this.name = 'FhirPullError';
    this.url = details.url;
    this.status = details.status;
  }
}

/** The URL without any `user:password@`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** The HTTP status fhir-kit-client attached to an error (`err.response.status`), if any. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { response?: { status?: unknown } } | null)?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Turns what fhir-kit-client or fetch threw for `GET url` into a FhirPullError naming the URL. The
 * caller's own abort is passed through untouched.
 */
export function requestFailed(err: unknown, url: string, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof FhirPullError) return err;
  const shown = redactUrl(url);
  const status = httpStatusOf(err);
  if (status !== undefined && status >= 200 && status < 400) {
    return new FhirPullError(ErrorCode.UPSTREAM_FAILED, `FHIR server answered GET ${shown} with HTTP ${status} and a body that is not JSON`, { url: shown, status });
  }
  if (status !== undefined) {
    return new FhirPullError(ErrorCode.UPSTREAM_FAILED, `FHIR server answered GET ${shown} with HTTP ${status}`, { url: shown, status });
  }
  return new FhirPullError(ErrorCode.UNAVAILABLE, `could not reach the FHIR server: GET ${shown} failed (${networkReason(err)})`, { url: shown });
}

/** `ECONNREFUSED`, `ENOTFOUND`, ... from fetch's `cause`, else the error's own message. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause;
  const nested = cause instanceof AggregateError ? cause.errors[0] : cause;
  const code = (nested as { code?: unknown } | null)?.code;
  const message = nested instanceof Error ? nested.message : '';
  if (typeof code === 'string') return !message || message.includes(code) ? code : `${message}, ${code}`;
  if (message) return message;
  return err instanceof Error ? err.message : String(err);
}
