import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { DomainError, ErrorCode } from './domain-error.ts';

/** FHIR issue-type codes for each domain error code (http://hl7.org/fhir/R4/valueset-issue-type.html). */
const issueTypeFor: Record<ErrorCode, OperationOutcomeIssue['code']> = {
  BAD_INPUT: 'invalid',
  NOT_FOUND: 'not-found',
  CONFLICT: 'conflict',
  PAYLOAD_TOO_LARGE: 'too-costly',
  UNSUPPORTED_MEDIA_TYPE: 'not-supported',
  UNAUTHENTICATED: 'login',
  FORBIDDEN: 'forbidden',
  UNAVAILABLE: 'transient',
  UPSTREAM_FAILED: 'transient',
};

/** Renders an error as an OperationOutcome; unexpected errors are masked. */
export function toOperationOutcome(err: unknown): OperationOutcome {
  if (!(err instanceof DomainError)) {
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'Internal server error' }],
    };
  }
  const code = issueTypeFor[err.code];
  const issue: OperationOutcomeIssue[] =
    err.issues.length === 0
      ? [{ severity: 'error', code, diagnostics: err.message }]
      : err.issues.map((i) => ({
          severity: 'error',
          code,
          diagnostics: i.message,
          ...(i.expression ? { expression: [i.expression] } : {}),
        }));
  return { resourceType: 'OperationOutcome', issue };
}
