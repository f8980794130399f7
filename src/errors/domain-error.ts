/**
 * Expected failures: bad input, not found, conflicts, limits. Each carries a code from one table,
 * and each protocol (GraphQL, FHIR REST, CLI) renders it in its own form. Anything that is not a
 * DomainError is unexpected: it is logged whole and masked to the client.
 */
export const ErrorCode = {
  BAD_INPUT: 'BAD_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  UNAVAILABLE: 'UNAVAILABLE',
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code, shared by every HTTP-facing protocol. */
export const httpStatusFor: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  UPSTREAM_FAILED: 502,
};

/** One problem in the input, located the way FHIR locates it. */
export interface InputIssue {
  /** index of the Bundle entry, when the input is a Bundle */
  entry?: number;
  /** FHIRPath-like location, e.g. `Bundle.entry[3].resource.subject.reference` */
  expression?: string;
  /** the file, when the input is one of several files */
  file?: string;
  /** 1-based line of a line-oriented file (VCF) */
  line?: number;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly InputIssue[];

  constructor(code: ErrorCode, message: string, issues: readonly InputIssue[] = []) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.issues = issues;
  }

  get httpStatus(): number {
    return httpStatusFor[this.code];
  }
}

/** Bad input with the list of located issues. */
export function badInput(message: string, issues: readonly InputIssue[] = []): DomainError {
  return new DomainError(ErrorCode.BAD_INPUT, message, issues);
}

export function notFound(message: string): DomainError {
  return new DomainError(ErrorCode.NOT_FOUND, message);
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
