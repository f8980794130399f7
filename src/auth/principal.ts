import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { isRole, type Role } from './roles.ts';
import { parseScopes, type SmartScope } from './scopes.ts';

/** Who is calling, from a verified access token. Audit records use subject, clientId and role. */
export interface Principal {
  /** the token's `sub`: the user, or the client itself for Backend Services */
  subject: string;
  /** the OAuth client (`client_id`, else `azp`, else `sub`) */
  clientId: string;
  role: Role;
  /** the granted clinical scopes; other scope tokens (openid, launch) grant nothing here */
  scopes: readonly SmartScope[];
  /** the launch patient of a patient-context token: the only patient it may touch */
  patient?: string;
  /** the token's `jti` (a hash of the token when it has none), for the audit log */
  tokenId: string;
  issuer: string;
}

/** The private claim that carries a Sangam role (RFC 7519 §4.3: a name unlikely to collide). */
export const ROLE_CLAIM = 'sangam_role';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function text(payload: JWTPayload, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

/**
 * Builds the principal from verified claims. `fixedRole` is the role an issuer's configuration
 * assigns to all its tokens; without one the token's `sangam_role` claim is used, which is why
 * only issuers that mint Sangam tokens should be trusted without a fixed role.
 */
export function principalFromClaims(payload: JWTPayload, token: string, fixedRole?: Role): Principal {
  const claimedRole = payload[ROLE_CLAIM];
  const role = fixedRole ?? (isRole(claimedRole) ? claimedRole : undefined);
  if (!role) throw new DomainError(ErrorCode.FORBIDDEN, 'the token carries no Sangam role and its issuer assigns none');
  const subject = text(payload, 'sub') ?? text(payload, 'client_id');
  if (!subject) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token has no subject (sub)');
  const clientId = text(payload, 'client_id') ?? text(payload, 'azp') ?? subject;
  // RFC 9068 puts scopes in `scope` (a string); several IdPs send `scp` as an array
  const rawScope = typeof payload.scope === 'string' ? payload.scope : Array.isArray(payload.scp) ? payload.scp.filter((s): s is string => typeof s === 'string') : '';
  const patient = payload.patient;
  if (patient !== undefined && (typeof patient !== 'string' || !FHIR_ID.test(patient))) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token has a patient claim that is not a FHIR id');
  }
  const tokenId = text(payload, 'jti') ?? `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
  return {
    subject,
    clientId,
    role,
    scopes: parseScopes(rawScope).scopes,
    ...(patient !== undefined ? { patient } : {}),
    tokenId,
    issuer: String(payload.iss),
  };
}
