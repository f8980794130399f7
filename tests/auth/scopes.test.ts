import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatScope, hasScope, intersectScopes, parseScope, parseScopes, type ScopeNeed } from '../../src/auth/scopes.ts';

// Expected meanings are SMART App Launch 2.2 "Scopes for requesting clinical data": v1 .read ⇒ .rs,
// .write ⇒ .cud, .* ⇒ .cruds; letters are an in-order subset of cruds.
describe('SMART scope parsing', () => {
  const valid: [string, string, 1 | 2][] = [
    ['system/Patient.rs', 'system/Patient.rs', 2],
    ['patient/Observation.rs', 'patient/Observation.rs', 2],
    ['user/*.cruds', 'user/*.cruds', 2],
    ['system/*.cruds', 'system/*.cruds', 2],
    ['patient/Observation.c', 'patient/Observation.c', 2],
    ['user/Consent.cd', 'user/Consent.cd', 2],
    ['patient/Observation.read', 'patient/Observation.rs', 1],
    ['patient/Observation.write', 'patient/Observation.cud', 1],
    ['patient/Observation.*', 'patient/Observation.cruds', 1],
    ['system/*.read', 'system/*.rs', 1],
    ['user/*.*', 'user/*.cruds', 1],
    [
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
      2,
    ],
    ['patient/Observation.rs?category=vital-signs&code=http://loinc.org|8867-4', 'patient/Observation.rs?category=vital-signs&code=http://loinc.org|8867-4', 2],
  ];
  for (const [text, v2, version] of valid) {
    it(`reads ${text} as ${v2}`, () => {
      const s = parseScope(text);
      assert.ok(s, `${text} should parse`);
      assert.equal(formatScope(s), v2);
      assert.equal(s.version, version);
      assert.equal(s.original, text);
    });
  }

  it('keeps the parts apart: context, type, letters in cruds order, query', () => {
    assert.deepEqual(parseScope('patient/Observation.read'), {
      context: 'patient',
      resourceType: 'Observation',
      interactions: ['r', 's'],
      original: 'patient/Observation.read',
      version: 1,
    });
    assert.deepEqual(parseScope('system/Observation.cu?category=laboratory')?.query, 'category=laboratory');
  });

  const invalid = [
    'patient/Observation.sr', // out of order: SMART says such requests may be refused
    'patient/Observation.dus',
    'patient/Observation.rr',
    'patient/Observation.',
    'patient/Observation.x',
    'patient/Observation',
    'patient/observation.rs',
    'group/Patient.rs',
    'Patient.rs',
    'openid',
    'fhirUser',
    'launch/patient',
    'offline_access',
    'patient/Observation.read?category=laboratory', // v1 had no restrictions
    'patient/Observation.rs?',
    'patient/Observation.rs?category',
    'patient/Observation.rs?=x',
  ];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseScope(text), undefined));
  }

  it('splits a scope string into clinical scopes and the rest', () => {
    const parsed = parseScopes('openid  fhirUser patient/Observation.read launch/patient system/*.rs');
    assert.deepEqual(parsed.scopes.map(formatScope), ['patient/Observation.rs', 'system/*.rs']);
    assert.deepEqual(parsed.other, ['openid', 'fhirUser', 'launch/patient']);
  });
});

describe('hasScope', () => {
  const granted = (s: string) => parseScopes(s).scopes;
  const cases: [string, ScopeNeed, boolean][] = [
    ['patient/Observation.read', { context: 'patient', resourceType: 'Observation', interaction: 'r' }, true],
    ['patient/Observation.read', { context: 'patient', resourceType: 'Observation', interaction: 's' }, true],
    ['patient/Observation.read', { context: 'patient', resourceType: 'Observation', interaction: 'c' }, false],
    ['patient/Observation.read', { context: 'user', resourceType: 'Observation', interaction: 'r' }, false],
    ['patient/Observation.read', { context: 'patient', resourceType: 'Condition', interaction: 'r' }, false],
    ['patient/Observation.write', { context: 'patient', resourceType: 'Observation', interaction: 'd' }, true],
    ['patient/Observation.write', { context: 'patient', resourceType: 'Observation', interaction: 'r' }, false],
    ['system/*.cruds', { context: 'system', resourceType: 'Consent', interaction: 'd' }, true],
    ['system/*.cruds', { context: 'system', resourceType: '*', interaction: 's' }, true],
    ['system/Observation.rs', { context: 'system', resourceType: '*', interaction: 's' }, false],
    ['system/Patient.rs system/Observation.cu', { context: 'system', resourceType: 'Observation', interaction: 'u' }, true],
    // a search-restricted scope grants nothing unrestricted
    ['patient/Observation.rs?category=laboratory', { context: 'patient', resourceType: 'Observation', interaction: 'r' }, false],
    ['openid fhirUser', { context: 'user', resourceType: 'Patient', interaction: 'r' }, false],
  ];
  for (const [scopes, need, expected] of cases) {
    it(`${scopes} ${expected ? 'covers' : 'does not cover'} ${need.context}/${need.resourceType}.${need.interaction}`, () => {
      assert.equal(hasScope(granted(scopes), need), expected);
    });
  }
});

describe('scope intersection (token requests)', () => {
  const grant = (requested: string, allowed: string) =>
    intersectScopes(parseScopes(requested).scopes, parseScopes(allowed).scopes).map((s) => s.original);

  it('narrows a wildcard request to the allowed types', () => {
    assert.deepEqual(grant('system/*.rs', 'system/Patient.rs system/Observation.rs'), ['system/Patient.rs', 'system/Observation.rs']);
  });
  it('narrows the letters', () => {
    assert.deepEqual(grant('system/Observation.cruds', 'system/Observation.rs'), ['system/Observation.rs']);
    assert.deepEqual(grant('system/Observation.cruds', 'system/*.cu'), ['system/Observation.cu']);
  });
  it('answers a v1 request granted in full in v1 form, a narrowed one in v2', () => {
    assert.deepEqual(grant('system/Patient.read', 'system/*.rs'), ['system/Patient.read']);
    assert.deepEqual(grant('system/Patient.*', 'system/Patient.rs'), ['system/Patient.rs']);
  });
  it('never crosses contexts', () => {
    assert.deepEqual(grant('user/Patient.rs patient/Patient.rs', 'system/*.cruds'), []);
  });
  it('keeps a search restriction from either side', () => {
    assert.deepEqual(grant('system/Observation.rs?category=laboratory', 'system/Observation.rs'), ['system/Observation.rs?category=laboratory']);
    assert.deepEqual(grant('system/Observation.rs', 'system/Observation.rs?category=laboratory'), ['system/Observation.rs?category=laboratory']);
    assert.deepEqual(grant('system/Observation.rs?category=vital-signs', 'system/Observation.rs?category=laboratory'), []);
  });
  it('leaves out a scope another granted one covers', () => {
    assert.deepEqual(grant('system/*.rs system/Patient.r', 'system/*.rs'), ['system/*.rs']);
    assert.deepEqual(grant('system/Patient.rs system/Patient.rs', 'system/*.cruds'), ['system/Patient.rs']);
  });
});
