/**
 * Which FHIR Consent resources speak to federated training, and what they decide
 * (FHIR R4 Consent: http://hl7.org/fhir/R4/consent.html).
 *
 * A Consent counts when any of these holds:
 *   - `scope` is `research` (http://terminology.hl7.org/CodeSystem/consentscope);
 *   - a `category` coding is `research`, `rsdid` or `rsreid` (consentcategorycodes, or the same
 *     codes in v3 ActCode, any case);
 *   - a `policy.uri` or `policyRule` coding is Sangam's federated-learning policy, FEDERATED_POLICY.
 * Its decision: `active` permits, unless its base `provision.type` is `deny` (an active refusal);
 * `inactive` and `rejected` deny. `draft` and `proposed` decide nothing yet, and
 * `entered-in-error` was never a decision, so those are skipped. The patient's latest counting
 * Consent with a decision wins, ordered by `Consent.dateTime` and then by when the site stored it.
 * A patient with no such Consent is included: the site's research policy governs them.
 */
import type { CodeableConcept, Consent } from '@medplum/fhirtypes';

/** Sangam's own policy URI for "use of my record in federated model training". */
export const FEDERATED_POLICY = 'http://sangam.example.org/fhir/consent-policy/federated-learning';

const RESEARCH_CATEGORIES = new Set(['research', 'rsdid', 'rsreid']);

function codes(cc: CodeableConcept | undefined): { system?: string; code?: string }[] {
  return cc?.coding ?? [];
}

/** Whether a Consent speaks to research use of the record (the rules above). */
export function concernsTraining(consent: Consent): boolean {
  if (codes(consent.scope).some((c) => c.code === 'research')) return true;
  if ((consent.category ?? []).some((cc) => codes(cc).some((c) => RESEARCH_CATEGORIES.has((c.code ?? '').toLowerCase())))) return true;
  if ((consent.policy ?? []).some((p) => p.uri === FEDERATED_POLICY)) return true;
  return codes(consent.policyRule).some((c) => c.system === FEDERATED_POLICY || c.code === FEDERATED_POLICY);
}

/** What a Consent decides: permit, deny, or nothing (draft, proposed, entered in error). */
export function consentDecision(consent: Consent): 'permit' | 'deny' | undefined {
  if (consent.status === 'inactive' || consent.status === 'rejected') return 'deny';
  if (consent.status === 'active') return consent.provision?.type === 'deny' ? 'deny' : 'permit';
  return undefined;
}

/** A stored Consent as the site held it at some moment. */
export interface RecordedConsent {
  patientId: string;
  consent: Consent;
  recordedAt: Date;
}

/** Patients whose latest counting Consent denies (the rules above). */
export function patientsDenyingConsent(consents: readonly RecordedConsent[]): Set<string> {
  const latest = new Map<string, { at: number; recorded: number; decision: 'permit' | 'deny' }>();
  for (const c of consents) {
    if (!concernsTraining(c.consent)) continue;
    const decision = consentDecision(c.consent);
    if (!decision) continue;
    const recorded = c.recordedAt.getTime();
    const stated = Date.parse(c.consent.dateTime ?? '');
    const at = Number.isFinite(stated) ? stated : recorded;
    const prior = latest.get(c.patientId);
    if (!prior || at > prior.at || (at === prior.at && recorded > prior.recorded)) latest.set(c.patientId, { at, recorded, decision });
  }
  return new Set([...latest].filter(([, v]) => v.decision === 'deny').map(([p]) => p));
}
