import type { Role } from './roles.ts';
import type { Interaction } from './scopes.ts';

/** The arguments of a call: GraphQL field arguments, or REST route params plus `body`. */
export type OperationArgs = Readonly<Record<string, unknown>>;

/** One interaction on one resource type; authorize() decides which scope contexts may grant it. */
export interface ResourceNeed {
  /** a FHIR resource type, or `*` when the call can touch every type */
  resourceType: string;
  interaction: Interaction;
}

/** How an operation relates to patients, which is what a patient-context token is held to. */
export type PatientBinding =
  /** touches no patient's data (model list, cohort counts, federation) */
  | { kind: 'none' }
  /** one patient, named by this argument (a dotted path for an input object: `input.patientId`) */
  | { kind: 'argument'; name: string }
  /** one stored resource whose patient is known only once it is read: the handler calls assertPatientAccess */
  | { kind: 'resource' }
  /** several patients (lists, Bundle imports): refused to patient-context tokens */
  | { kind: 'many' };

/** What an authenticated call needs: one of the roles, and every resource need covered by a scope. */
export interface Requirement {
  operation: string;
  public?: false;
  roles: readonly Role[];
  /** a function when the needs depend on the arguments (a resource type, a Bundle's content) */
  needs: readonly ResourceNeed[] | ((args: OperationArgs) => readonly ResourceNeed[]);
  patient: PatientBinding;
}

/** An operation anyone may call without a token. */
export interface PublicOperation {
  operation: string;
  public: true;
}

export type OperationRequirement = Requirement | PublicOperation;

const READERS: readonly Role[] = ['ehr', 'clinician'];
const NONE: PatientBinding = { kind: 'none' };
const MANY: PatientBinding = { kind: 'many' };
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function read(resourceType: string, interaction: Interaction = 's'): ResourceNeed {
  return { resourceType, interaction };
}

/** Create and update on a type: an import may do either to each resource it holds. */
function write(resourceType: string): ResourceNeed[] {
  return [
    { resourceType, interaction: 'c' },
    { resourceType, interaction: 'u' },
  ];
}

/**
 * The resource types a Bundle (or single resource) would write. SMART 2 has no transaction scope:
 * "batch and transaction requests should be validated based on the actual requests within them".
 */
export function resourceTypesOf(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const r = input as { resourceType?: unknown; entry?: unknown };
  if (r.resourceType === 'Bundle' && Array.isArray(r.entry)) {
    const types = new Set<string>();
    for (const e of r.entry as unknown[]) {
      const t = (e as { resource?: { resourceType?: unknown } } | null)?.resource?.resourceType;
      if (typeof t === 'string' && RESOURCE_TYPE.test(t)) types.add(t);
    }
    return [...types].sort();
  }
  return typeof r.resourceType === 'string' && RESOURCE_TYPE.test(r.resourceType) ? [r.resourceType] : [];
}

function importNeeds(input: unknown): ResourceNeed[] {
  return resourceTypesOf(input).flatMap(write);
}

function typeArgument(value: unknown): string {
  // an unknown or missing type can only be granted by a wildcard scope
  return typeof value === 'string' && RESOURCE_TYPE.test(value) ? value : '*';
}

function entry(operation: string, rest: Omit<Requirement, 'operation'>): Requirement {
  return { operation, ...rest };
}

function open(operation: string): PublicOperation {
  return { operation, public: true };
}

/**
 * What every operation of the current API needs, keyed by GraphQL `Type.field` or REST
 * `METHOD /template`. Root fields (Query, Mutation) and REST routes must all be here
 * (requirementFor fails closed); a field of another type that is not listed is covered by the
 * root field that reached it.
 */
export const requirements = {
  // GraphQL root fields (src/graphql/*.ts)
  'Query.patient': entry('Query.patient', { roles: READERS, needs: [read('Patient', 'r')], patient: { kind: 'argument', name: 'id' } }),
  'Query.patients': entry('Query.patients', { roles: READERS, needs: [read('Patient')], patient: MANY }),
  'Query.models': entry('Query.models', { roles: ['ehr', 'clinician', 'admin'], needs: [], patient: NONE }),
  // per-subgroup model metrics with small groups suppressed: an aggregate, no patient's data
  'Query.equityReport': entry('Query.equityReport', { roles: ['clinician', 'admin'], needs: [], patient: NONE }),
  // trial definitions only: titles, status and eligibility trees, no patient data
  'Query.trials': entry('Query.trials', { roles: ['ehr', 'clinician', 'trial-matcher', 'admin'], needs: [read('ResearchStudy')], patient: NONE }),
  // trial → patients: pseudonyms keyed to the caller, counts below 11 suppressed (the de-identified cohort API)
  'Query.eligiblePatients': entry('Query.eligiblePatients', { roles: ['trial-matcher', 'clinician'], needs: [read('ResearchStudy')], patient: MANY }),
  // the site's part in federated training: rounds, sites, privacy spent; no patient data
  'Query.federation': entry('Query.federation', { roles: ['clinician', 'coordinator', 'admin'], needs: [], patient: NONE }),
  'Mutation.registerTrial': entry('Mutation.registerTrial', { roles: ['trial-matcher', 'admin'], needs: [{ resourceType: 'ResearchStudy', interaction: 'c' }], patient: NONE }),
  'POST /fhir/ResearchStudy/$match': entry('POST /fhir/ResearchStudy/$match', { roles: ['ehr', 'clinician'], needs: [read('ResearchStudy')], patient: NONE }),
  'Mutation.importFhirBundle': entry('Mutation.importFhirBundle', { roles: ['ehr', 'lab'], needs: (a) => importNeeds(a.bundle), patient: MANY }),
  'Mutation.importVariants': entry('Mutation.importVariants', { roles: ['lab'], needs: write('Observation'), patient: { kind: 'argument', name: 'patientId' } }),
  'Mutation.importTiles': entry('Mutation.importTiles', { roles: ['lab'], needs: write('Media'), patient: { kind: 'argument', name: 'patientId' } }),
  'Mutation.recordOutcome': entry('Mutation.recordOutcome', {
    roles: ['ehr', 'clinician'],
    // the outcome is written as a MedicationStatement and Observations, and a death onto the Patient
    needs: [...write('MedicationStatement'), ...write('Observation'), { resourceType: 'Patient', interaction: 'u' }],
    patient: { kind: 'argument', name: 'input.patientId' },
  }),
  'Mutation.withdrawConsent': entry('Mutation.withdrawConsent', {
    roles: ['ehr', 'clinician', 'admin'],
    needs: [{ resourceType: 'Consent', interaction: 'c' }],
    patient: { kind: 'argument', name: 'patientId' },
  }),
  // Patient fields that read a further kind of data than the Patient itself
  'Patient.clinical': entry('Patient.clinical', { roles: READERS, needs: [read('Condition'), read('Observation'), read('MedicationRequest')], patient: NONE }),
  'Patient.resources': entry('Patient.resources', { roles: READERS, needs: (a) => [read(typeArgument(a.type))], patient: NONE }),
  'Patient.variants': entry('Patient.variants', { roles: READERS, needs: [read('Observation')], patient: NONE }),
  'Patient.variantCallSets': entry('Patient.variantCallSets', { roles: READERS, needs: [read('Observation')], patient: NONE }),
  'Patient.tmb': entry('Patient.tmb', { roles: READERS, needs: [read('Observation')], patient: NONE }),
  'Patient.slides': entry('Patient.slides', { roles: READERS, needs: [read('Media')], patient: NONE }),
  // predictions are packaged as RiskAssessment when they leave as FHIR
  'Patient.mutationPredictions': entry('Patient.mutationPredictions', { roles: READERS, needs: [read('RiskAssessment')], patient: NONE }),
  'Patient.prognosis': entry('Patient.prognosis', { roles: READERS, needs: [read('RiskAssessment')], patient: NONE }),
  'Patient.therapyResponse': entry('Patient.therapyResponse', { roles: READERS, needs: [read('RiskAssessment')], patient: NONE }),
  // evidence matched to the patient's variants, ranked by the response model
  // registered trials' eligibility for this patient, criterion by criterion
  'Patient.matchingTrials': entry('Patient.matchingTrials', { roles: READERS, needs: [read('Observation'), read('ResearchStudy')], patient: NONE }),
  'Patient.therapySuggestions': entry('Patient.therapySuggestions', { roles: READERS, needs: [read('Observation'), read('RiskAssessment')], patient: NONE }),
  // the GraphQL endpoint: any authenticated caller; each field then decides
  'POST /graphql': entry('POST /graphql', { roles: ['ehr', 'clinician', 'trial-matcher', 'lab', 'coordinator', 'admin'], needs: [], patient: NONE }),
  // REST (src/fhir-api/fhir-router.ts, src/app.ts, src/auth/token-endpoint.ts)
  'POST /fhir': entry('POST /fhir', { roles: ['ehr', 'lab'], needs: (a) => importNeeds(a.body), patient: MANY }),
  'GET /fhir/:type/:id': entry('GET /fhir/:type/:id', { roles: READERS, needs: (a) => [read(typeArgument(a.type), 'r')], patient: { kind: 'resource' } }),
  'GET /fhir/AuditEvent': entry('GET /fhir/AuditEvent', { roles: ['admin'], needs: [read('AuditEvent')], patient: NONE }),
  'GET /fhir/metadata': open('GET /fhir/metadata'),
  'GET /health': open('GET /health'),
  'GET /ready': open('GET /ready'),
  'POST /auth/token': open('POST /auth/token'),
  'GET /.well-known/smart-configuration': open('GET /.well-known/smart-configuration'),
  'GET /fhir/.well-known/smart-configuration': open('GET /fhir/.well-known/smart-configuration'),
  'GET /.well-known/jwks.json': open('GET /.well-known/jwks.json'),
} as const satisfies Record<string, OperationRequirement>;

export type OperationName = keyof typeof requirements;

/**
 * Requirements for APIs other folders are adding; attach them to their fields and routes under
 * the operation's own name (`{ ...requirementPresets.cohort, operation: 'Query.trialCohort' }`).
 */
export const requirementPresets = {
  /** the federation API (rounds, updates, model versions) */
  federation: entry('federation', { roles: ['coordinator'], needs: [], patient: NONE }),
} as const satisfies Record<string, Requirement>;

const ROOT = /^(Query|Mutation|Subscription)\.|^(GET|POST|PUT|PATCH|DELETE) \//;

/**
 * The requirement of an operation. An unlisted root field or route is a programming error and
 * throws, so a new operation cannot ship unprotected; an unlisted nested field returns undefined.
 */
export function requirementFor(operation: string): OperationRequirement | undefined {
  const found = (requirements as Record<string, OperationRequirement>)[operation];
  if (found) return found;
  if (ROOT.test(operation)) throw new Error(`no authorisation requirement declared for ${operation} (src/auth/requirements.ts)`);
  return undefined;
}
