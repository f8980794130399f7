import type { Coding } from '@medplum/fhirtypes';

/**
 * The codes an IHE Basic Audit Log Patterns AuditEvent uses, as the BALP profiles fix them
 * (https://profiles.ihe.net/ITI/BALP/content.html, FHIR R4 AuditEvent).
 */
export const AUDIT_EVENT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
export const DICOM_SYSTEM = 'http://dicom.nema.org/resources/ontology/DCM';
export const PARTICIPATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const AUDIT_ENTITY_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/object-role';
export const SECURITY_SOURCE_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** BALP's own entity type code system, home of `XrequestId`. */
export const BALP_ENTITY_TYPE_SYSTEM = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
/** Sangam's operations (GraphQL field, REST route, CDS hook, import kind), as an extra subtype. */
export const SANGAM_OPERATION_SYSTEM = 'http://sangam.example.org/fhir/CodeSystem/audit-operation';
/** Sangam's caller roles (auth/), recorded on the requesting agent. */
export const SANGAM_ROLE_SYSTEM = 'http://sangam.example.org/fhir/CodeSystem/role';

const BALP_PROFILE = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

/** AuditEvent.type: a RESTful operation (every BALP RESTful profile). */
export const TYPE_REST: Coding = { system: AUDIT_EVENT_TYPE_SYSTEM, code: 'rest', display: 'Restful Operation' };
/** AuditEvent.type for data brought in from outside (DICOM 110107, as BALP's disclosure-recipient pattern). */
export const TYPE_IMPORT: Coding = { system: DICOM_SYSTEM, code: '110107', display: 'Import' };
/** AuditEvent.type for a query that is not a FHIR REST search (DICOM 110112). */
export const TYPE_QUERY: Coding = { system: DICOM_SYSTEM, code: '110112', display: 'Query' };

/** The R4 restful-interaction codes (http://hl7.org/fhir/R4/codesystem-restful-interaction.html). */
export const RESTFUL_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search',
  'search-type',
  'search-system',
  'capabilities',
  'transaction',
  'batch',
  'operation',
] as const;
export type RestfulInteraction = (typeof RESTFUL_INTERACTIONS)[number];

/** agent[client].type: the DICOM/IHE convention names the requesting client the source. */
export const AGENT_CLIENT: Coding = { system: DICOM_SYSTEM, code: '110153', display: 'Source Role ID' };
/** agent[server].type: this service, the destination of the request. */
export const AGENT_SERVER: Coding = { system: DICOM_SYSTEM, code: '110152', display: 'Destination Role ID' };
/** agent[user].type when the user receives data (reads, queries). */
export const AGENT_USER_RECIPIENT: Coding = { system: PARTICIPATION_TYPE_SYSTEM, code: 'IRCP', display: 'information recipient' };
/** agent[user].type when the user writes data (BALP Create/Update use the DataSources value set). */
export const AGENT_USER_AUTHOR: Coding = { system: PARTICIPATION_TYPE_SYSTEM, code: 'AUT', display: 'Author' };
/** agent[user].type for a delete (BALP Delete: the custodian). */
export const AGENT_USER_CUSTODIAN: Coding = { system: PARTICIPATION_TYPE_SYSTEM, code: 'CST', display: 'Custodian' };

export const ENTITY_PERSON: Coding = { system: AUDIT_ENTITY_TYPE_SYSTEM, code: '1', display: 'Person' };
export const ENTITY_SYSTEM_OBJECT: Coding = { system: AUDIT_ENTITY_TYPE_SYSTEM, code: '2', display: 'System Object' };
export const ENTITY_REQUEST_ID: Coding = { system: BALP_ENTITY_TYPE_SYSTEM, code: 'XrequestId' };
export const ROLE_PATIENT: Coding = { system: OBJECT_ROLE_SYSTEM, code: '1', display: 'Patient' };
export const ROLE_DOMAIN_RESOURCE: Coding = { system: OBJECT_ROLE_SYSTEM, code: '4', display: 'Domain Resource' };
export const ROLE_QUERY: Coding = { system: OBJECT_ROLE_SYSTEM, code: '24', display: 'Query' };
export const SOURCE_APPLICATION_SERVER: Coding = { system: SECURITY_SOURCE_TYPE_SYSTEM, code: '4', display: 'Application Server' };

/** AuditEvent.outcome (http://terminology.hl7.org/CodeSystem/audit-event-outcome). */
export const AUDIT_OUTCOMES = [0, 4, 8, 12] as const;
export type AuditOutcomeCode = (typeof AUDIT_OUTCOMES)[number];

/** AuditEvent.action: create, read, update, delete, execute. */
export const AUDIT_ACTIONS = ['C', 'R', 'U', 'D', 'E'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const PROFILE_BY_INTERACTION: Partial<Record<RestfulInteraction, string>> = {
  read: 'Read',
  vread: 'Read',
  search: 'Query',
  'search-type': 'Query',
  'search-system': 'Query',
  create: 'Create',
  update: 'Update',
  patch: 'Update',
  delete: 'Delete',
};

/**
 * The BALP profile a successful RESTful interaction conforms to (e.g. IHE.BasicAudit.PatientRead),
 * or undefined when none fits: BALP defines none for operations, history or transactions.
 */
export function balpProfileFor(interaction: RestfulInteraction, hasPatient: boolean): string | undefined {
  const name = PROFILE_BY_INTERACTION[interaction];
  return name === undefined ? undefined : `${BALP_PROFILE}${hasPatient ? 'Patient' : ''}${name}`;
}
