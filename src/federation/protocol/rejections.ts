/**
 * Why the coordinator refused a federation request. Every refusal is logged with one of these
 * codes and the site id (never a value from the update: updates are derived from patient data),
 * and answered as `{ error: { code, reason, message } }` with the HTTP status of its DomainError code.
 */
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';

export const RejectReason = {
  /** the envelope header is missing or malformed */
  BAD_ENVELOPE: 'BAD_ENVELOPE',
  /** no such site in this federation */
  UNKNOWN_SITE: 'UNKNOWN_SITE',
  /** the site is registered but suspended */
  SITE_SUSPENDED: 'SITE_SUSPENDED',
  /** the signature does not verify, or the body is not the one signed */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** issuedAt is more than the allowed skew away from the coordinator's clock */
  STALE: 'STALE',
  /** this nonce was used before */
  REPLAY: 'REPLAY',
  /** the signed round id does not match the path, the round is unknown or belongs elsewhere */
  WRONG_ROUND: 'WRONG_ROUND',
  /** the round is closed, failed, past its deadline or past the secure-aggregation step */
  ROUND_CLOSED: 'ROUND_CLOSED',
  /** the site was not invited to this round (it registered later, or was suspended at opening) */
  NOT_INVITED: 'NOT_INVITED',
  /** this site already sent a different update (or declined) for this round */
  ALREADY_SUBMITTED: 'ALREADY_SUBMITTED',
  /** the body is not JSON, fails its schema or has the wrong number of parameters */
  WRONG_SHAPE: 'WRONG_SHAPE',
  /** a parameter is NaN or ±Infinity */
  NON_FINITE: 'NON_FINITE',
  /** the body is larger than the limit */
  TOO_LARGE: 'TOO_LARGE',
  /** the update's L2 norm is above the round's bound */
  NORM_TOO_LARGE: 'NORM_TOO_LARGE',
  /** numExamples is not a positive whole number */
  BAD_NUM_EXAMPLES: 'BAD_NUM_EXAMPLES',
  /** numExamples is above the round's cap */
  TOO_MANY_EXAMPLES: 'TOO_MANY_EXAMPLES',
  /** a secure-aggregation message broke the protocol (SecAggError reasons pass through as their own) */
  PROTOCOL_VIOLATION: 'PROTOCOL_VIOLATION',
  /** no such lineage, or no version of it yet */
  NO_VERSION: 'NO_VERSION',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

const codeFor: Record<RejectReason, ErrorCode> = {
  BAD_ENVELOPE: ErrorCode.UNAUTHENTICATED,
  UNKNOWN_SITE: ErrorCode.UNAUTHENTICATED,
  SITE_SUSPENDED: ErrorCode.FORBIDDEN,
  BAD_SIGNATURE: ErrorCode.UNAUTHENTICATED,
  STALE: ErrorCode.UNAUTHENTICATED,
  REPLAY: ErrorCode.CONFLICT,
  WRONG_ROUND: ErrorCode.CONFLICT,
  ROUND_CLOSED: ErrorCode.CONFLICT,
  NOT_INVITED: ErrorCode.FORBIDDEN,
  ALREADY_SUBMITTED: ErrorCode.CONFLICT,
  WRONG_SHAPE: ErrorCode.BAD_INPUT,
  NON_FINITE: ErrorCode.BAD_INPUT,
  TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
  NORM_TOO_LARGE: ErrorCode.BAD_INPUT,
  BAD_NUM_EXAMPLES: ErrorCode.BAD_INPUT,
  TOO_MANY_EXAMPLES: ErrorCode.BAD_INPUT,
  PROTOCOL_VIOLATION: ErrorCode.BAD_INPUT,
  NO_VERSION: ErrorCode.NOT_FOUND,
};

/** An expected refusal of a federation request, with the reason the log and the site both see. */
export class FederationRejection extends DomainError {
  readonly reason: RejectReason;

  constructor(reason: RejectReason, message: string) {
    super(codeFor[reason], message);
    this.name = 'FederationRejection';
    this.reason = reason;
  }
}

/** Shorthand for `new FederationRejection(reason, message)`. */
export function reject(reason: RejectReason, message: string): FederationRejection {
  return new FederationRejection(reason, message);
}

/** The JSON body of every refusal. */
export interface RejectionBody {
  error: { code: ErrorCode; reason: string; message: string };
}
