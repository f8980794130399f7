import type { AuditEvent as FhirAuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { AuditEvent } from './audit-event.ts';
import {
  AGENT_CLIENT,
  AGENT_SERVER,
  AGENT_USER_AUTHOR,
  AGENT_USER_CUSTODIAN,
  AGENT_USER_RECIPIENT,
  ENTITY_PERSON,
  ENTITY_REQUEST_ID,
  ENTITY_SYSTEM_OBJECT,
  RESTFUL_INTERACTIONS,
  RESTFUL_INTERACTION_SYSTEM,
  ROLE_DOMAIN_RESOURCE,
  ROLE_PATIENT,
  ROLE_QUERY,
  SANGAM_ROLE_SYSTEM,
  SOURCE_APPLICATION_SERVER,
  TYPE_REST,
  balpProfileFor,
  type RestfulInteraction,
} from './balp-codes.ts';

function restfulInteractionOf(event: AuditEvent): RestfulInteraction | undefined {
  const code = event.subtype.find((c) => c.system === RESTFUL_INTERACTION_SYSTEM)?.code;
  return (RESTFUL_INTERACTIONS as readonly string[]).includes(code ?? '') ? (code as RestfulInteraction) : undefined;
}

function userAgentType(action: AuditEvent['action']): Coding {
  if (action === 'C' || action === 'U') return AGENT_USER_AUTHOR;
  if (action === 'D') return AGENT_USER_CUSTODIAN;
  return AGENT_USER_RECIPIENT;
}

function agentsOf(event: AuditEvent): AuditEventAgent[] {
  const { agent, source } = event;
  const role = agent.role ? [{ coding: [{ system: SANGAM_ROLE_SYSTEM, code: agent.role }] }] : undefined;
  const client: AuditEventAgent = {
    type: { coding: [AGENT_CLIENT] },
    who: { identifier: { value: agent.clientId } },
    requestor: agent.userId === undefined,
    ...(agent.userId === undefined && role ? { role } : {}),
    ...(agent.address ? { network: { address: agent.address, type: '2' as const } } : {}),
  };
  const server: AuditEventAgent = {
    type: { coding: [AGENT_SERVER] },
    who: { display: source.observer },
    requestor: false,
    network: { address: source.observer, type: /^[a-z]+:\/\//.test(source.observer) ? ('5' as const) : ('1' as const) },
  };
  if (agent.userId === undefined) return [client, server];
  const user: AuditEventAgent = {
    type: { coding: [userAgentType(event.action)] },
    who: { identifier: { value: agent.userId } },
    requestor: true,
    ...(role ? { role } : {}),
  };
  return [client, server, user];
}

function entitiesOf(event: AuditEvent): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [{ type: ENTITY_REQUEST_ID, what: { identifier: { value: event.requestId } } }];
  if (event.patient) entities.push({ type: ENTITY_PERSON, role: ROLE_PATIENT, what: { reference: `Patient/${event.patient}` } });
  const asked = event.operation.query ?? event.operation.name;
  if (event.action === 'E') {
    // BALP wants the raw request in base64; Sangam stores only the de-identified description,
    // so query and description carry the same text (raw requests can hold identifiers)
    entities.push({
      type: ENTITY_SYSTEM_OBJECT,
      role: ROLE_QUERY,
      query: Buffer.from(asked, 'utf8').toString('base64'),
      description: asked,
    });
  } else {
    const what = event.resource ?? (event.patient ? `Patient/${event.patient}` : undefined);
    entities.push({
      type: ENTITY_SYSTEM_OBJECT,
      role: ROLE_DOMAIN_RESOURCE,
      what: what ? { reference: what } : { display: event.operation.name },
      description: asked,
    });
  }
  return entities;
}

/**
 * A stored event as a FHIR R4 AuditEvent shaped by IHE BALP
 * (https://profiles.ihe.net/ITI/BALP/content.html): client, server and user agents, the source,
 * the X-Request-Id, patient and query/data entities. `meta.profile` names the BALP profile when the
 * event is a successful RESTful interaction that BALP profiles. The id is the chain position.
 */
export function toFhirAuditEvent(seq: number, event: AuditEvent): FhirAuditEvent {
  const interaction = event.type.code === TYPE_REST.code && event.type.system === TYPE_REST.system ? restfulInteractionOf(event) : undefined;
  const profile = interaction && event.outcome.code === 0 ? balpProfileFor(interaction, event.patient !== undefined) : undefined;
  return {
    resourceType: 'AuditEvent',
    id: String(seq),
    ...(profile ? { meta: { profile: [profile] } } : {}),
    type: event.type,
    subtype: event.subtype,
    action: event.action,
    recorded: event.recorded,
    outcome: String(event.outcome.code) as FhirAuditEvent['outcome'],
    ...(event.outcome.description ? { outcomeDesc: event.outcome.description } : {}),
    agent: agentsOf(event),
    source: { site: event.source.site, observer: { display: event.source.observer }, type: [SOURCE_APPLICATION_SERVER] },
    entity: entitiesOf(event),
  };
}
