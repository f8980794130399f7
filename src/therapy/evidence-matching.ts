/**
 * Every evidence item of the knowledge base judged against one patient's calls: MATCHED,
 * NOT_MATCHED or NOT_ASSESSABLE, with the calls behind it. Items sharing a profile are judged once.
 */
import type { EvidenceItem, TherapyKnowledgeBase } from './knowledge-base.ts';
import { matchProfile, type ProfileMatch } from './profile-matching.ts';
import { indexVariants, type PatientVariant } from './variant-matching.ts';

/** A patient's calls, and the genes the assay covered (where no call means wild type). */
export interface PatientGenomics {
  variants: readonly PatientVariant[];
  testedGenes?: Iterable<string>;
}

export interface EvidenceMatch {
  item: EvidenceItem;
  match: ProfileMatch;
}

/** Each item's profile matched against the patient's calls, in the knowledge base's order. */
export function matchEvidence(kb: TherapyKnowledgeBase, genomics: PatientGenomics): EvidenceMatch[] {
  const index = indexVariants(genomics.variants, genomics.testedGenes);
  const byProfile = new Map<string, ProfileMatch>();
  return kb.items.map((item) => {
    let match = byProfile.get(item.profileName);
    if (!match) {
      match = matchProfile(item.profile, index);
      byProfile.set(item.profileName, match);
    }
    return { item, match };
  });
}
