import { DomainError, ErrorCode, type InputIssue } from '../errors/domain-error.ts';
import type { Principal } from './principal.ts';
import type { OperationArgs, OperationRequirement, ResourceNeed } from './requirements.ts';
import { hasScope, type ScopeContext } from './scopes.ts';

function forbidden(message: string, issues: readonly InputIssue[] = []): DomainError {
  return new DomainError(ErrorCode.FORBIDDEN, message, issues);
}

/**
 * The scope contexts that may grant a need. `patient/` scopes mean "within the launch patient's
 * compartment" (SMART scopes-and-launch-context), so they grant nothing to a token without one.
 */
function contextsFor(principal: Principal): readonly ScopeContext[] {
  return principal.patient !== undefined ? ['patient', 'user', 'system'] : ['user', 'system'];
}

function describeNeed(need: ResourceNeed, contexts: readonly ScopeContext[]): string {
  return `${contexts.map((c) => `${c}/`).join(' or ')} scope with ${need.resourceType}.${need.interaction}`;
}

/** The value at a dotted argument path (`input.patientId`), or undefined. */
export function argumentAt(args: OperationArgs, path: string): unknown {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Checks a caller against an operation's requirement (role, SMART scopes, patient context) and
 * throws FORBIDDEN naming what is missing; UNAUTHENTICATED when a protected operation has no caller.
 * For a `resource` binding the handler must also call assertPatientAccess once the resource is read.
 */
export function authorize(principal: Principal | undefined, requirement: OperationRequirement, args: OperationArgs = {}): void {
  if (requirement.public === true) return;
  const op = requirement.operation;
  if (!principal) throw new DomainError(ErrorCode.UNAUTHENTICATED, `${op} needs a bearer token`);
  if (!requirement.roles.includes(principal.role)) {
    throw forbidden(`${op} is open to role ${requirement.roles.join(', ')}; this token has role ${principal.role}`);
  }
  const needs = typeof requirement.needs === 'function' ? requirement.needs(args) : requirement.needs;
  const contexts = contextsFor(principal);
  const missing = needs.filter((need) => !contexts.some((context) => hasScope(principal.scopes, { ...need, context })));
  if (missing.length > 0) {
    const issues = missing.map((need) => ({ message: `missing ${describeNeed(need, contexts)}` }));
    throw forbidden(`${op} needs ${missing.map((n) => `${n.resourceType}.${n.interaction}`).join(', ')}, which the token's scopes do not grant`, issues);
  }
  if (principal.patient === undefined) return;
  const binding = requirement.patient;
  if (binding.kind === 'many') throw forbidden(`${op} spans patients; a patient-context token may only reach its own patient`);
  if (binding.kind === 'argument' && argumentAt(args, binding.name) !== principal.patient) {
    throw forbidden(`${op}: a patient-context token may only reach its own patient`);
  }
}

/** Whether authorize() would let the call through. */
export function isAuthorized(principal: Principal | undefined, requirement: OperationRequirement, args: OperationArgs = {}): boolean {
  try {
    authorize(principal, requirement, args);
    return true;
  } catch (err) {
    if (err instanceof DomainError) return false;
    throw err;
  }
}

/**
 * Holds a patient-context token to its patient once the patient of what it asked for is known
 * (a `resource` binding). A resource with no patient is refused to such a token: it cannot be
 * shown to belong to its compartment.
 */
export function assertPatientAccess(principal: Principal, patientId: string | undefined): void {
  if (principal.patient === undefined) return;
  if (patientId !== principal.patient) throw forbidden('a patient-context token may only reach its own patient');
}

const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * The patient a stored resource belongs to: the Patient itself, or the Patient its `subject`,
 * `patient` or `beneficiary` refers to (the common patient-compartment links of R4). Undefined
 * when it names none.
 */
export function patientOfResource(resource: { resourceType?: unknown; id?: unknown } & Record<string, unknown>): string | undefined {
  if (resource.resourceType === 'Patient') return typeof resource.id === 'string' ? resource.id : undefined;
  for (const link of ['subject', 'patient', 'beneficiary']) {
    const ref = (resource[link] as { reference?: unknown } | undefined)?.reference;
    const m = typeof ref === 'string' ? PATIENT_REFERENCE.exec(ref) : null;
    if (m) return m[1];
  }
  return undefined;
}
