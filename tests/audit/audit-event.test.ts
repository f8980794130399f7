import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditEventSchema, parseAuditEvent, type AuditEvent } from '../../src/audit/audit-event.ts';
import { AUDIT_SUCCESS, auditOutcomeOf, buildAuditEvents } from '../../src/audit/build-audit-event.ts';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { GENESIS_HASH, hashAuditRow } from '../../src/audit/chain-hash.ts';
import { badInput, DomainError, ErrorCode, notFound } from '../../src/errors/domain-error.ts';
import { clinician, readPatient, searchObservations, SOURCE } from './audit-fixtures.ts';

const at = () => new Date('2024-05-01T09:30:00.000Z');

// Keys deliberately out of order: the hash must not depend on it.
const golden: AuditEvent = {
  requestId: 'req-1',
  type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', display: 'Restful Operation', code: 'rest' },
  patient: 'p1',
  subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
  action: 'R',
  recorded: '2024-05-01T09:30:00.000Z',
  outcome: { code: 0 },
  agent: { clientId: 'ehr-1' },
  source: { site: 'site-a', observer: 'https://site-a.example/fhir' },
  operation: { name: 'GET /fhir/Patient/:id', channel: 'rest' },
};

describe('canonical JSON (RFC 8785)', () => {
  it('reproduces the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units as RFC 8785 section 3.2.3 does', () => {
    const input = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 };
    assert.equal(canonicalJson(input), '{"\\r":2,"1":4,"\u0080":6,"ö":7,"€":1,"😀":5,"\ufb33":3}');
  });
});

describe('chain hash', () => {
  it('is the genesis value migration 007 seeds', () => {
    // printf '%s' 'sangam/audit-chain/genesis/v1' | sha256sum
    assert.equal(GENESIS_HASH, 'dddc4df4363973bf0edf0881932475f42e94782770b2df52255a233f8a4ee72e');
  });

  it('hashes the previous hash and the canonical {seq, event}, matching sha256sum', () => {
    // printf '%s\n%s' "$GENESIS" '<the canonical JSON below>' | sha256sum
    assert.equal(
      canonicalJson({ seq: 1, event: golden }),
      '{"event":{"action":"R","agent":{"clientId":"ehr-1"},"operation":{"channel":"rest","name":"GET /fhir/Patient/:id"},"outcome":{"code":0},"patient":"p1","recorded":"2024-05-01T09:30:00.000Z","requestId":"req-1","source":{"observer":"https://site-a.example/fhir","site":"site-a"},"subtype":[{"code":"read","system":"http://hl7.org/fhir/restful-interaction"}],"type":{"code":"rest","display":"Restful Operation","system":"http://terminology.hl7.org/CodeSystem/audit-event-type"}},"seq":1}',
    );
    assert.equal(hashAuditRow(GENESIS_HASH, 1, golden), '40ea79b1929ed3e38d937b8ab078176e36f869c0102201526d8fd1ae081ed710');
    assert.notEqual(hashAuditRow(GENESIS_HASH, 2, golden), hashAuditRow(GENESIS_HASH, 1, golden), 'the position is hashed');
  });
});

describe('audit event schema', () => {
  it('has no field for a name, birth date or identifier: such fields are refused at every level', () => {
    const smuggled: Array<[string, unknown]> = [
      ['top level', { ...golden, patientName: 'Jane Anyperson' }],
      ['top level', { ...golden, birthDate: '1958-03-04' }],
      ['agent', { ...golden, agent: { ...golden.agent, name: 'Dr Rao' } }],
      ['operation', { ...golden, operation: { ...golden.operation, variables: { name: 'Jane Anyperson' } } }],
      ['outcome', { ...golden, outcome: { code: 0, detail: 'MRN 12345' } }],
    ];
    for (const [where, input] of smuggled) {
      assert.throws(() => parseAuditEvent(input), (e: unknown) => e instanceof DomainError && e.code === ErrorCode.BAD_INPUT, where);
    }
    assert.deepEqual(Object.keys(auditEventSchema.shape).sort(), [
      'action',
      'agent',
      'operation',
      'outcome',
      'patient',
      'recorded',
      'requestId',
      'resource',
      'source',
      'subtype',
      'type',
    ]);
  });

  it('takes the patient as a resource id only, and refuses out-of-range codes', () => {
    for (const patient of ['Jane Anyperson', 'Patient/p1', 'x'.repeat(65)]) {
      assert.throws(() => parseAuditEvent({ ...golden, patient }), /invalid audit event/, patient);
    }
    assert.throws(() => parseAuditEvent({ ...golden, outcome: { code: 3 } }));
    assert.throws(() => parseAuditEvent({ ...golden, action: 'X' }));
    assert.throws(() => parseAuditEvent({ ...golden, recorded: '2024-05-01' }));
    assert.throws(() => parseAuditEvent({ ...golden, requestId: 'a\u0000b' }), 'jsonb refuses NUL');
    assert.deepEqual(parseAuditEvent(golden), golden);
  });

  it('names the bad field, never the value, in its error', () => {
    try {
      parseAuditEvent({ ...golden, patient: 'Jane Anyperson' });
      assert.fail('expected a refusal');
    } catch (err) {
      const e = err as DomainError;
      assert.equal(e.issues[0]?.expression, 'AuditEvent.patient');
      assert.doesNotMatch(JSON.stringify(e.issues), /Anyperson/);
    }
  });
});

describe('buildAuditEvents', () => {
  it('makes one BALP event per patient touched, sorted and deduplicated', () => {
    const events = buildAuditEvents(clinician, searchObservations, ['p2', 'p1', 'p2'], AUDIT_SUCCESS, { source: SOURCE, now: at });
    assert.deepEqual(
      events.map((e) => e.patient),
      ['p1', 'p2'],
    );
    const e = events[0] as AuditEvent;
    assert.deepEqual(e.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' });
    assert.deepEqual(e.subtype, [
      { system: 'http://hl7.org/fhir/restful-interaction', code: 'search-type', display: 'search-type' },
      { system: 'http://sangam.example.org/fhir/CodeSystem/audit-operation', code: 'rest:GET /fhir/Observation' },
    ]);
    assert.equal(e.action, 'E');
    assert.equal(e.recorded, '2024-05-01T09:30:00.000Z');
    assert.deepEqual(e.agent, { clientId: 'ehr-app', userId: 'dr-rao', role: 'clinician', address: '10.0.0.7' });
    assert.equal(e.requestId, 'req-1');
  });

  it('makes a single event without a patient when none was touched', () => {
    const events = buildAuditEvents(clinician, readPatient, [], AUDIT_SUCCESS, { source: SOURCE, now: at });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.patient, undefined);
    assert.equal(events[0]?.action, 'R');
  });

  it('uses DICOM Import for imports and DICOM Query for non-REST queries', () => {
    const [imp] = buildAuditEvents(clinician, { channel: 'import', name: 'vcf', interaction: 'import' }, ['p1'], AUDIT_SUCCESS, { source: SOURCE, now: at });
    assert.deepEqual(imp?.type, { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110107', display: 'Import' });
    assert.equal(imp?.action, 'C');
    const [q] = buildAuditEvents(clinician, { channel: 'cli', name: 'cohort', interaction: 'query' }, [], AUDIT_SUCCESS, { source: SOURCE, now: at });
    assert.deepEqual(q?.type, { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110112', display: 'Query' });
    assert.equal(q?.action, 'E');
  });

  it('maps errors to audit outcomes by who failed, keeping only the error code', () => {
    assert.deepEqual(auditOutcomeOf(notFound('patient Jane Anyperson not found')), { code: 4, description: 'NOT_FOUND' });
    assert.deepEqual(auditOutcomeOf(badInput('bad')), { code: 4, description: 'BAD_INPUT' });
    assert.deepEqual(auditOutcomeOf(new DomainError(ErrorCode.UPSTREAM_FAILED, 'ehr down')), { code: 8, description: 'UPSTREAM_FAILED' });
    assert.deepEqual(auditOutcomeOf(new Error('boom')), { code: 8, description: 'INTERNAL' });
  });
});
