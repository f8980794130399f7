import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Consent } from '@medplum/fhirtypes';
import { concernsTraining, consentDecision, FEDERATED_POLICY, patientsDenyingConsent } from '../../../src/federation/site-data/consent-rules.ts';

const research = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] };
const treatment = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] };
const loinc = [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }];

function consent(status: Consent['status'], extra: Partial<Consent> = {}): Consent {
  return { resourceType: 'Consent', status, scope: research, category: loinc, patient: { reference: 'Patient/p' }, ...extra };
}

describe('FHIR Consent rules for federated training', () => {
  it('counts research scope, research categories and the federated-learning policy; not a treatment consent', () => {
    assert.equal(concernsTraining(consent('active')), true);
    assert.equal(concernsTraining(consent('active', { scope: treatment })), false);
    assert.equal(concernsTraining(consent('active', { scope: treatment, category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'rsdid' }] }] })), true);
    assert.equal(concernsTraining(consent('active', { scope: treatment, category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'RESEARCH' }] }] })), true);
    assert.equal(concernsTraining(consent('active', { scope: treatment, policy: [{ uri: FEDERATED_POLICY }] })), true);
  });

  it('active permits unless its provision denies; inactive and rejected deny; draft, proposed and entered-in-error decide nothing', () => {
    assert.equal(consentDecision(consent('active')), 'permit');
    assert.equal(consentDecision(consent('active', { provision: { type: 'deny' } })), 'deny');
    assert.equal(consentDecision(consent('inactive')), 'deny');
    assert.equal(consentDecision(consent('rejected')), 'deny');
    for (const s of ['draft', 'proposed', 'entered-in-error'] as const) assert.equal(consentDecision(consent(s)), undefined);
  });

  it('the latest deciding Consent wins, by Consent.dateTime and then by when the site stored it', () => {
    const at = (iso: string) => new Date(iso);
    const rows = [
      { patientId: 'a', consent: consent('rejected', { dateTime: '2024-01-01' }), recordedAt: at('2024-06-01') },
      { patientId: 'a', consent: consent('active', { dateTime: '2024-03-01' }), recordedAt: at('2024-02-01') }, // re-consented later
      { patientId: 'b', consent: consent('active', { dateTime: '2024-01-01' }), recordedAt: at('2024-01-01') },
      { patientId: 'b', consent: consent('inactive'), recordedAt: at('2024-05-01') }, // no dateTime: stored later, so later
      { patientId: 'c', consent: consent('active'), recordedAt: at('2024-01-01') },
      { patientId: 'c', consent: consent('draft'), recordedAt: at('2024-02-01') },
      { patientId: 'd', consent: consent('rejected', { scope: treatment }), recordedAt: at('2024-01-01') },
    ];
    assert.deepEqual([...patientsDenyingConsent(rows)], ['b']);
  });
});
