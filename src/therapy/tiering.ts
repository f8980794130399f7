/**
 * AMP/ASCO/CAP tiers (Li et al., J Mol Diagn 2017;19:4-23, doi:10.1016/j.jmoldx.2016.10.002) from
 * CIViC evidence levels, by PCGR's crosswalk (sigven/pcgr `pcgrr/inst/templates/doc_notes_md/actionability.md`):
 *
 * - Tier I: level A or B evidence in the patient's tumour type (pan-cancer evidence included);
 * - Tier II: level A or B evidence in another tumour type, or level C, D or E in the patient's;
 * - Tier III: level C, D or E evidence in another tumour type.
 *
 * A therapy takes the best tier of its matched, supporting sensitivity evidence; resistance never
 * raises a tier.
 */
import type { EvidenceLevel } from './knowledge-base.ts';

export type Tier = 'I' | 'II' | 'III';

const STRONG: ReadonlySet<EvidenceLevel> = new Set(['A', 'B']);

/** The tier one item of sensitivity evidence gives its therapy. */
export function tierOf(level: EvidenceLevel, inTumourType: boolean): Tier {
  if (STRONG.has(level)) return inTumourType ? 'I' : 'II';
  return inTumourType ? 'II' : 'III';
}

/** Sort rank of a tier: I first; no tier (warnings only) last. */
export function tierRank(tier: Tier | null): number {
  return tier === null ? 3 : tier === 'I' ? 0 : tier === 'II' ? 1 : 2;
}

/** Sort rank of a CIViC level: A (validated) first, E (inferential) last. */
export function levelRank(level: EvidenceLevel): number {
  return 'ABCDE'.indexOf(level);
}
