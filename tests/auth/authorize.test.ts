import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { buildSchema } from 'graphql';
import { assertPatientAccess, authorize, isAuthorized, patientOfResource } from '../../src/auth/authorize.ts';
import { requirementFor, requirementPresets, requirements, resourceTypesOf, type OperationArgs, type OperationRequirement } from '../../src/auth/requirements.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { principal } from './auth-fixtures.ts';
import { ALLOWED } from './role-table.ts';

const bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [{ resource: { resourceType: 'Patient', id: 'p1' } }, { resource: { resourceType: 'Observation', id: 'o1' } }],
};

/** Arguments that satisfy each operation's argument-dependent needs. */
const ARGS: Record<string, OperationArgs> = {
  'Query.patient': { id: 'p1' },
  'Mutation.importFhirBundle': { bundle },
  'Mutation.importVariants': { patientId: 'p1' },
  'Mutation.importTiles': { patientId: 'p1' },
  'Mutation.withdrawConsent': { patientId: 'p1', reason: 'x' },
  'Mutation.recordOutcome': { input: { patientId: 'p1', line: 1 } },
  'Patient.resources': { type: 'Observation' },
  'POST /fhir': { body: bundle },
  'GET /fhir/:type/:id': { type: 'Observation', id: 'o1' },
};



const ALL: [string, OperationRequirement][] = [...Object.entries(requirements), ...Object.entries(requirementPresets)];
const PROTECTED = ALL.filter(([, r]) => r.public !== true);

describe('role × operation matrix', () => {
  it('lists an expectation for every protected operation', () => {
    assert.deepEqual(PROTECTED.map(([name]) => name).sort(), Object.keys(ALLOWED).sort());
  });

  // every scope a role could hold, so only the role decides
  for (const role of ROLES) {
    for (const [name, requirement] of PROTECTED) {
      const expected = ALLOWED[name]?.includes(role) ?? false;
      it(`${role} ${expected ? 'may' : 'may not'} call ${name}`, () => {
        const caller = principal(role, 'system/*.cruds');
        assert.equal(isAuthorized(caller, requirement, ARGS[name] ?? {}), expected);
      });
    }
  }

  it('gives trial matchers only the cohort API and trial definitions, labs only imports, the coordinator only federation', () => {
    const reachable = (role: Role) =>
      PROTECTED.filter(([name, r]) => name !== 'POST /graphql' && isAuthorized(principal(role, 'system/*.cruds'), r, ARGS[name] ?? {})).map(([n]) => n);
    assert.deepEqual(reachable('trial-matcher'), ['Query.trials', 'Query.eligiblePatients', 'Mutation.registerTrial']);
    assert.deepEqual(reachable('lab'), ['Mutation.importFhirBundle', 'Mutation.importVariants', 'Mutation.importTiles', 'POST /fhir']);
    assert.deepEqual(reachable('coordinator'), ['Query.federation', 'federation']);
    assert.deepEqual(reachable('admin'), ['Query.models', 'Query.equityReport', 'Query.trials', 'Query.federation', 'Mutation.registerTrial', 'Mutation.withdrawConsent', 'GET /fhir/AuditEvent']);
  });

  it('lets anyone call public operations and nobody without a token call the rest', () => {
    for (const [name, r] of ALL) {
      if (r.public === true) assert.doesNotThrow(() => authorize(undefined, r), name);
      else assert.throws(() => authorize(undefined, r, ARGS[name] ?? {}), (e: DomainError) => e.code === 'UNAUTHENTICATED', name);
    }
    assert.ok(requirements['GET /fhir/metadata'].public && requirements['GET /health'].public);
  });
});

describe('scopes narrow a role', () => {
  it('names the missing role', () => {
    assert.throws(
      () => authorize(principal('trial-matcher', 'system/*.cruds'), requirements['Query.patient'], { id: 'p1' }),
      (e: DomainError) => e.code === 'FORBIDDEN' && /open to role ehr, clinician; this token has role trial-matcher/.test(e.message),
    );
  });

  it('names each missing scope', () => {
    const ehr = principal('ehr', 'system/Patient.rs');
    assert.doesNotThrow(() => authorize(ehr, requirements['Query.patient'], { id: 'p1' }));
    assert.throws(
      () => authorize(ehr, requirements['Patient.clinical']),
      (e: DomainError) =>
        e.code === 'FORBIDDEN' &&
        /needs Condition\.s, Observation\.s, MedicationRequest\.s/.test(e.message) &&
        e.issues.length === 3 &&
        e.issues[0]?.message === 'missing user/ or system/ scope with Condition.s',
    );
  });

  it('checks every resource type of an imported Bundle for create and update', () => {
    const lab = principal('lab', 'system/Observation.cu system/DiagnosticReport.cu');
    const observations = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Observation' } }, { resource: { resourceType: 'DiagnosticReport' } }] };
    assert.doesNotThrow(() => authorize(lab, requirements['Mutation.importFhirBundle'], { bundle: observations }));
    assert.throws(() => authorize(lab, requirements['Mutation.importFhirBundle'], { bundle }), /needs Patient\.c, Patient\.u/);
    assert.throws(() => authorize(principal('lab', 'system/Observation.c'), requirements['POST /fhir'], { body: observations }), /Observation\.u/);
    assert.deepEqual(resourceTypesOf(bundle), ['Observation', 'Patient']);
    assert.deepEqual(resourceTypesOf({ resourceType: 'Observation' }), ['Observation']);
    assert.deepEqual(resourceTypesOf('nonsense'), []);
  });

  it('reads the resource type of REST reads and Patient.resources from the arguments', () => {
    const ehr = principal('ehr', 'system/Observation.rs');
    assert.ok(isAuthorized(ehr, requirements['GET /fhir/:type/:id'], { type: 'Observation', id: 'o1' }));
    assert.ok(!isAuthorized(ehr, requirements['GET /fhir/:type/:id'], { type: 'Condition', id: 'c1' }));
    assert.ok(!isAuthorized(ehr, requirements['GET /fhir/:type/:id'], { type: 'not a type', id: 'c1' }));
    assert.ok(isAuthorized(ehr, requirements['Patient.resources'], { type: 'Observation' }));
    assert.ok(!isAuthorized(ehr, requirements['Patient.resources'], {}), 'all types need a wildcard scope');
    assert.ok(isAuthorized(principal('ehr', 'system/*.rs'), requirements['Patient.resources'], {}));
  });

  it('takes v1 scopes at their v2 meaning', () => {
    assert.ok(isAuthorized(principal('clinician', 'user/Patient.read'), requirements['Query.patient'], { id: 'p1' }));
    assert.ok(!isAuthorized(principal('clinician', 'user/Consent.read'), requirements['Mutation.withdrawConsent'], { patientId: 'p1' }));
    assert.ok(isAuthorized(principal('clinician', 'user/Consent.write'), requirements['Mutation.withdrawConsent'], { patientId: 'p1' }));
  });

  it('grants nothing from a search-restricted scope', () => {
    assert.ok(!isAuthorized(principal('ehr', 'system/Patient.rs?identifier=x|1'), requirements['Query.patient'], { id: 'p1' }));
  });
});

describe('patient-context tokens', () => {
  const own = principal('clinician', 'patient/*.rs patient/Consent.c', 'p1');

  it('reach their own patient only', () => {
    assert.doesNotThrow(() => authorize(own, requirements['Query.patient'], { id: 'p1' }));
    assert.throws(() => authorize(own, requirements['Query.patient'], { id: 'p2' }), /its own patient/);
    assert.doesNotThrow(() => authorize(own, requirements['Mutation.withdrawConsent'], { patientId: 'p1' }));
    assert.throws(() => authorize(own, requirements['Mutation.withdrawConsent'], { patientId: 'p2' }), /its own patient/);
    const writer = principal('clinician', 'patient/*.cruds', 'p1');
    assert.doesNotThrow(() => authorize(writer, requirements['Mutation.recordOutcome'], { input: { patientId: 'p1' } }));
    assert.throws(() => authorize(writer, requirements['Mutation.recordOutcome'], { input: { patientId: 'p2' } }), /its own patient/);
    assert.throws(() => authorize(writer, requirements['Mutation.recordOutcome'], { input: null }), /its own patient/);
  });

  it('are refused anything that spans patients', () => {
    assert.throws(() => authorize(own, requirements['Query.patients']), /spans patients/);
    const ehr = principal('ehr', 'patient/*.cruds', 'p1');
    assert.throws(() => authorize(ehr, requirements['POST /fhir'], { body: bundle }), /spans patients/);
  });

  it('are held to their patient on REST reads once the resource is known', () => {
    assert.doesNotThrow(() => authorize(own, requirements['GET /fhir/:type/:id'], { type: 'Observation', id: 'o1' }));
    const mine = { resourceType: 'Observation', id: 'o1', subject: { reference: 'Patient/p1' } };
    const theirs = { resourceType: 'Observation', id: 'o2', subject: { reference: 'Patient/p2' } };
    const orphan = { resourceType: 'Medication', id: 'm1' };
    assert.doesNotThrow(() => assertPatientAccess(own, patientOfResource(mine)));
    assert.throws(() => assertPatientAccess(own, patientOfResource(theirs)), /its own patient/);
    assert.throws(() => assertPatientAccess(own, patientOfResource(orphan)), /its own patient/);
    assert.doesNotThrow(() => assertPatientAccess(principal('ehr', 'system/*.rs'), patientOfResource(theirs)));
  });

  it('finds the patient of a resource through Patient.id, subject, patient and beneficiary', () => {
    assert.equal(patientOfResource({ resourceType: 'Patient', id: 'p9' }), 'p9');
    assert.equal(patientOfResource({ resourceType: 'Condition', subject: { reference: 'Patient/p3' } }), 'p3');
    assert.equal(patientOfResource({ resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p4/_history/2' } }), 'p4');
    assert.equal(patientOfResource({ resourceType: 'Coverage', beneficiary: { reference: 'Patient/p5' } }), 'p5');
    assert.equal(patientOfResource({ resourceType: 'Observation', subject: { reference: 'Group/g1' } }), undefined);
  });

  it('gets nothing from patient/ scopes without a patient context', () => {
    assert.throws(() => authorize(principal('clinician', 'patient/*.rs'), requirements['Query.patient'], { id: 'p1' }), /Patient\.r/);
  });
});

describe('requirementFor', () => {
  it('covers every root field of the committed GraphQL schema', () => {
    const schema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
    const roots = [schema.getQueryType(), schema.getMutationType()].flatMap((t) => (t ? Object.keys(t.getFields()).map((f) => `${t.name}.${f}`) : []));
    assert.ok(roots.length >= 7);
    for (const op of roots) assert.ok(requirementFor(op), op);
  });

  it('fails closed for an unlisted root field or route, and passes nested fields to their root', () => {
    assert.throws(() => requirementFor('Query.everything'), /no authorisation requirement declared for Query\.everything/);
    assert.throws(() => requirementFor('DELETE /fhir/:type/:id'), /no authorisation requirement/);
    assert.equal(requirementFor('Patient.id'), undefined);
    assert.equal(requirementFor('GET /fhir/metadata')?.public, true);
  });
});
