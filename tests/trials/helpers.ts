import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fixture } from '../helpers/fixtures.ts';
import type { Criterion, EligibilityNode, TrialDefinition } from '../../src/trials/eligibility/types.ts';
import { assignLeafIds, leaf } from '../../src/trials/eligibility/parse-eligibility.ts';
import type { PatientFacts } from '../../src/trials/facts/patient-facts.ts';

/** A patient about whom the record says nothing, with the given facts set. */
export function factsWith(partial: Partial<PatientFacts> = {}): PatientFacts {
  return {
    birthDate: null,
    deceased: false,
    sex: null,
    populationGroup: null,
    cancerType: null,
    cancerClass: null,
    stageGroup: null,
    ecog: null,
    priorLines: null,
    er: null,
    pr: null,
    her2: null,
    msi: null,
    tmb: null,
    sequenced: false,
    variants: [],
    ...partial,
  };
}

/** A trial whose eligibility is `node` (leaf ids assigned). */
export function trialOf(id: string, node: EligibilityNode): TrialDefinition {
  return { id, title: `Trial ${id}`, status: 'active', conditions: [], eligibility: assignLeafIds(node), warnings: [] };
}

export const L = (c: Criterion): EligibilityNode => leaf(c);
export const and = (...children: EligibilityNode[]): EligibilityNode => ({ op: 'and', children });
export const or = (...children: EligibilityNode[]): EligibilityNode => ({ op: 'or', children });
export const not = (child: EligibilityNode): EligibilityNode => ({ op: 'not', child });

/** CodeX's TrialMatching Patient01 at stage II without its CDK4/6 inhibitors: a patient PALLAS (NCT02513394) accepts. */
export function stageTwoPatient01(): Bundle {
  const bundle = structuredClone(fixture<Bundle>('trial-matching/TrialMatching_Patient01.json'));
  const stageII = { coding: [{ system: 'http://cancerstaging.org', code: '2', display: 'II' }] };
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Resource & Record<string, unknown>;
    if (r.id === 'mCODETrialMatchingTNMClinicalStageGroupExample01') r.valueCodeableConcept = stageII;
    if (r.resourceType === 'Condition' && Array.isArray(r.stage)) r.stage = [{ summary: stageII }];
  }
  bundle.entry = bundle.entry?.filter((e) => !/abemaciclib|ribociclib/.test(JSON.stringify(e.resource)));
  return bundle;
}
