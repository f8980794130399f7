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
