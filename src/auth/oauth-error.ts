/**
 * OAuth 2.0 token-endpoint error codes (RFC 6749 §5.2). The token endpoint answers in this form,
 * not as an OperationOutcome: its clients are OAuth libraries.
 */
export const OAuthErrorCode = {
  INVALID_REQUEST: 'invalid_request',
  INVALID_CLIENT: 'invalid_client',
  INVALID_GRANT: 'invalid_grant',
  UNAUTHORIZED_CLIENT: 'unauthorized_client',
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
  INVALID_SCOPE: 'invalid_scope',
} as const;
export type OAuthErrorCode = (typeof OAuthErrorCode)[keyof typeof OAuthErrorCode];

/** An expected token-endpoint refusal: `{error, error_description}` with 400, or 401 for invalid_client. */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode;

  constructor(error: OAuthErrorCode, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
  }

  /** RFC 6749 §5.2: 400, except that a failed client authentication may answer 401. */
  get httpStatus(): number {
    return this.error === OAuthErrorCode.INVALID_CLIENT ? 401 : 400;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

/** A client-authentication failure; SMART asks for `invalid_client` whatever the cause. */
export function invalidClient(description: string): OAuthError {
  return new OAuthError(OAuthErrorCode.INVALID_CLIENT, description);
}
