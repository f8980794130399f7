/**
 * The callers of a site node (DESIGN.md "Who calls it") and what each may do. A token carries one
 * role; the operation's requirement (requirements.ts) names the roles it admits, and the token's
 * SMART scopes must also cover it (scopes.ts), so a role is a ceiling and the scopes narrow it.
 *
 * | role            | who                                  | may                                                                                     |
 * |-----------------|--------------------------------------|-----------------------------------------------------------------------------------------|
 * | `ehr`           | the hospital's EHR (Backend Services) | read patients (GraphQL and `GET /fhir/:type/:id`), push FHIR (`importFhirBundle`, `POST /fhir`), record outcomes and consent withdrawal, list models, call CDS Hooks |
 * | `clinician`     | an oncologist through an app          | read patients (only the launch patient with a patient-context token), record outcomes and consent withdrawal, list models, the equity report, the de-identified cohort API |
 * | `trial-matcher` | a trial-matching service              | the de-identified cohort API only: never a patient, never an import                      |
 * | `lab`           | a lab or pathology system             | imports only: `importVariants`, `importTiles`, `importFhirBundle` / `POST /fhir` within its write scopes; reads nothing |
 * | `coordinator`   | the federation coordinator            | the federation API only                                                                  |
 * | `admin`         | the site's administrator              | list models, the equity report, search the audit log, manage clients, record consent withdrawal; reads no clinical data |
 *
 * A token with a `patient` claim (patient context) is further held to that one patient: it is
 * refused on anything that spans patients and on any other patient (authorize.ts).
 */
export const ROLES = ['ehr', 'clinician', 'trial-matcher', 'lab', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a string names a Sangam role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface RolePolicy {
  description: string;
  /**
   * Scopes a locally minted token of this role gets when none are asked for (`sangam auth token`).
   * `user/` stands for the context; a patient-context token gets the same scopes as `patient/`.
   */
  defaultScopes: string;
}

/** What each role is for, and the scopes its local tokens default to. */
export const ROLE_POLICIES: Record<Role, RolePolicy> = {
  ehr: {
    description: 'the EHR system: reads patients, pushes FHIR, records consent withdrawal, calls CDS Hooks',
    defaultScopes: 'system/*.crus',
  },
  clinician: {
    description: 'an oncologist: reads patients and decision support, records consent withdrawal, queries cohorts',
    defaultScopes: 'user/*.rs user/Consent.c user/Observation.cu user/MedicationStatement.cu user/Patient.u',
  },
  'trial-matcher': {
    description: 'a trial-matching service: the de-identified cohort API only',
    defaultScopes: 'system/ResearchStudy.crs',
  },
  lab: {
    description: 'a lab or pathology system: imports variant calls, tiles and lab FHIR resources; reads nothing',
    defaultScopes: 'system/Observation.cu system/DiagnosticReport.cu system/Specimen.cu system/Media.cu',
  },
  coordinator: {
    description: 'the federation coordinator: the federation API only',
    defaultScopes: '',
  },
  admin: {
    description: 'the site administrator: models, audit log, clients and consent; no clinical reads',
    defaultScopes: 'system/AuditEvent.rs system/Consent.c system/ResearchStudy.crs',
  },
};
