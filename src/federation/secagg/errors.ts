/**
 * Why a secure-aggregation step stopped. Each reason maps onto one site-wide DomainError code, so
 * the HTTP edge renders these like any other expected failure, while callers that drive the rounds
 * can still tell "abandon the round" from "that message was forged".
 */
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';

export const SecAggReason = {
  /** fewer than t sites remain: the paper's "abort if |U_i| < t" */
  TOO_FEW_SITES: 'TOO_FEW_SITES',
  /** a message breaks the protocol: wrong round, unknown site, wrong length, missing shares */
  PROTOCOL_VIOLATION: 'PROTOCOL_VIOLATION',
  /** a relayed ciphertext failed AES-GCM authentication */
  TAMPERED: 'TAMPERED',
  /** a site will not reveal a share that, with what it already revealed, would unmask one input */
  REVEAL_REFUSED: 'REVEAL_REFUSED',
  /** a step was asked for twice, or before the step it depends on */
  OUT_OF_ORDER: 'OUT_OF_ORDER',
} as const;
export type SecAggReason = (typeof SecAggReason)[keyof typeof SecAggReason];

const domainCodeFor: Record<SecAggReason, ErrorCode> = {
  TOO_FEW_SITES: ErrorCode.UNAVAILABLE,
  PROTOCOL_VIOLATION: ErrorCode.BAD_INPUT,
  TAMPERED: ErrorCode.BAD_INPUT,
  REVEAL_REFUSED: ErrorCode.CONFLICT,
  OUT_OF_ORDER: ErrorCode.CONFLICT,
};

/** An expected secure-aggregation failure; `reason` says which rule of the protocol stopped it. */
export class SecAggError extends DomainError {
  readonly reason: SecAggReason;

  constructor(reason: SecAggReason, message: string) {
    super(domainCodeFor[reason], message);
    this.name = 'SecAggError';
    this.reason = reason;
  }
}

/** Fewer than `need` sites are left at `stage`; the round cannot finish and must be abandoned. */
export function tooFewSites(stage: string, have: number, need: number): SecAggError {
  return new SecAggError(SecAggReason.TOO_FEW_SITES, `secure aggregation stopped at ${stage}: ${have} site${have === 1 ? '' : 's'} remain, the threshold is ${need}`);
}

/** A message that does not follow the protocol. */
export function protocolViolation(message: string): SecAggError {
  return new SecAggError(SecAggReason.PROTOCOL_VIOLATION, message);
}
