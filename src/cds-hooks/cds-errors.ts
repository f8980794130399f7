/**
 * CDS Hooks errors answer with a FHIR OperationOutcome (https://cds-hooks.hl7.org/2.0/#http-response).
 * 412 (the data the service needs cannot be had) is CDS Hooks' own and not in the domain error table.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isDomainError } from '../errors/domain-error.ts';
import { toOperationOutcome } from '../errors/operation-outcome.ts';

export const CdsErrorCode = {
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
} as const;
export type CdsErrorCode = (typeof CdsErrorCode)[keyof typeof CdsErrorCode];

const STATUS: Record<CdsErrorCode, number> = {
  PRECONDITION_FAILED: 412,
  UNAUTHENTICATED: 401,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

const ISSUE_TYPE: Record<CdsErrorCode, OperationOutcomeIssue['code']> = {
  PRECONDITION_FAILED: 'processing',
  UNAUTHENTICATED: 'login',
  BAD_REQUEST: 'invalid',
  NOT_FOUND: 'not-found',
  PAYLOAD_TOO_LARGE: 'too-costly',
  UNSUPPORTED_MEDIA_TYPE: 'not-supported',
};

/** One located problem: `expression` points at the element (e.g. `context.patientId`, `prefetch.patient`). */
export interface CdsIssue {
  message: string;
  expression?: string;
}

export class CdsHooksError extends Error {
  readonly code: CdsErrorCode;
  readonly issues: readonly CdsIssue[];
  constructor(code: CdsErrorCode, message: string, issues: readonly CdsIssue[] = []) {
    super(message);
    this.name = 'CdsHooksError';
    this.code = code;
    this.issues = issues;
  }
  get httpStatus(): number {
    return STATUS[this.code];
  }
}

export const badRequest = (message: string, issues: readonly CdsIssue[] = []) => new CdsHooksError(CdsErrorCode.BAD_REQUEST, message, issues);
export const unauthenticated = (message: string) => new CdsHooksError(CdsErrorCode.UNAUTHENTICATED, message);
export const preconditionFailed = (message: string, issues: readonly CdsIssue[] = []) => new CdsHooksError(CdsErrorCode.PRECONDITION_FAILED, message, issues);

/** Status and OperationOutcome for an error; unexpected errors are masked (500). */
export function toCdsErrorResponse(err: unknown): { status: number; body: OperationOutcome } {
  if (err instanceof CdsHooksError) {
    const code = ISSUE_TYPE[err.code];
    const issues = err.issues.length > 0 ? err.issues : [{ message: err.message }];
    return {
      status: err.httpStatus,
      body: {
        resourceType: 'OperationOutcome',
        issue: issues.map((i) => ({
          severity: 'error',
          code,
          diagnostics: i.message === err.message ? i.message : `${err.message}: ${i.message}`,
          ...(i.expression ? { expression: [i.expression] } : {}),
        })),
      },
    };
  }
  if (isDomainError(err)) return { status: err.httpStatus, body: toOperationOutcome(err) };
  return { status: 500, body: toOperationOutcome(err) };
}

/**
 * Errors Express and body-parser raise before a handler runs, as CDS errors: too large (413), not
 * JSON (400), an unsupported encoding (415), a path that is not valid percent-encoding (the
 * router's URIError, 400), and any other with a 4xx `status`/`statusCode` (https://github.com/expressjs/body-parser#errors).
 * Their own messages are not passed on: some echo the request back.
 */
export function fromHttpLayer(err: unknown): CdsHooksError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status, statusCode } = err as { type?: unknown; status?: unknown; statusCode?: unknown };
  if (type === 'entity.too.large') return new CdsHooksError(CdsErrorCode.PAYLOAD_TOO_LARGE, 'request body is larger than the limit');
  if (type === 'entity.parse.failed') return badRequest('request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new CdsHooksError(CdsErrorCode.UNSUPPORTED_MEDIA_TYPE, 'unsupported body encoding');
  const httpStatus = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  if (httpStatus === undefined || httpStatus < 400 || httpStatus > 499) return undefined;
  if (err instanceof URIError) return badRequest('the request path is not valid percent-encoding');
  const code = (Object.keys(STATUS) as CdsErrorCode[]).find((c) => STATUS[c] === httpStatus);
  // a 4xx without a code of its own here is still the caller's fault: answered as a plain 400
  return code ? new CdsHooksError(code, `the request was refused (HTTP ${httpStatus})`) : badRequest(`the request was refused (HTTP ${httpStatus})`);
}
