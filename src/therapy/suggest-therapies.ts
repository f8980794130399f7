/**
 * Therapy suggestions for one patient: the CIViC evidence whose molecular profile the patient's
 * calls match, grouped by regimen, tiered as PCGR crosswalks AMP/ASCO/CAP (see tiering.ts), with
 * resistance shown as a warning on the regimen it concerns and evidence the VCF cannot decide
 * listed as not assessable. Which items count:
 *
 * - matched, supporting Sensitivity/Response evidence makes a suggestion and sets its tier;
 * - matched, supporting Resistance, Reduced Sensitivity or Adverse Response evidence is a warning:
 *   it makes a (tier-less) suggestion when it is in the patient's tumour type, and otherwise only
 *   attaches to a regimen already suggested;
 * - matched "Does Not Support" evidence attaches as contrary evidence, never suggesting anything;
 * - NOT_ASSESSABLE supporting evidence attaches when it is in the patient's tumour type or part of
 *   its profile matched, and makes a (tier-less) suggestion when it is level A/B sensitivity in the
 *   patient's tumour type or part of its profile matched: it would count if another assay confirmed it;
 * - flagged items (a curator questioned them) and items without therapies are left out.
 *
 * Resistance attaches to the same regimen only: BRAF V600E's resistance to cetuximab alone is not
 * a warning on encorafenib + cetuximab, which the same mutation calls for.
 */
import type { EvidenceMatch, PatientGenomics } from './evidence-matching.ts';
import { matchEvidence } from './evidence-matching.ts';
import { inTumourType, relateDisease, resolvePatientDisease, type DiseaseRelation, type PatientCancer } from './disease-matching.ts';
import type { Citation, EvidenceDirection, EvidenceLevel, Significance, TherapyKnowledgeBase } from './knowledge-base.ts';
import type { UnassessedVariant } from './profile-matching.ts';
import type { Regimen } from './regimens.ts';
import { levelRank, tierOf, tierRank, type Tier } from './tiering.ts';

export interface TherapyPatient extends PatientGenomics {
  cancer: PatientCancer;
}

export interface SuggestTherapiesOptions {
  /** the response model's probability of response to a regimen, when it knows the regimen; orders suggestions within a tier and level */
  rankWith?: (therapy: Regimen) => number | undefined;
}

/** A call behind a match: its index in the patient's variant list, gene and protein change. */
export interface VariantRef {
  index: number;
  gene?: string;
  proteinChange?: string;
}

/** A CIViC evidence item as shown to the oncologist: level, significance, disease, citation, statement and the calls behind it. */
export interface EvidenceSummary {
  id: number;
  level: EvidenceLevel;
  significance: Significance;
  direction: EvidenceDirection;
  rating?: number;
  /** CIViC's molecular profile */
  profile: string;
  /** CIViC's therapy list as written (a Substitutes item names several) */
  therapies: string;
  disease: { name: string; doid?: string };
  diseaseRelation: DiseaseRelation;
  inTumourType: boolean;
  /** the tier this item gives (sensitivity evidence only) */
  tier?: Tier;
  citation: Citation;
  statement?: string;
  url: string;
  variants: VariantRef[];
}

export interface NotAssessableEvidence extends EvidenceSummary {
  /** the profile's variants the calls could not decide, and why */
  unassessed: UnassessedVariant[];
}

/** One regimen for the patient: its tier, the evidence behind it, its warnings and what the VCF could not decide. */
export interface TherapySuggestion {
  therapy: Regimen;
  /** null when nothing matched supports the regimen: it is listed for its warnings or for evidence another assay could confirm */
  tier: Tier | null;
  /** the best evidence level behind the tier (for a tier-less suggestion, behind its warnings) */
  level: EvidenceLevel;
  /** what `rankWith` said */
  predictedResponse?: number;
  evidence: EvidenceSummary[];
  resistance: EvidenceSummary[];
  contrary: EvidenceSummary[];
  notAssessable: NotAssessableEvidence[];
}

type Role = 'evidence' | 'resistance' | 'contrary' | 'notAssessable';

interface Judged {
  m: EvidenceMatch;
  role: Role;
  relation: DiseaseRelation;
  creates: boolean;
}

function judge(m: EvidenceMatch, relation: DiseaseRelation): Judged | undefined {
  const { item, match } = m;
  if (item.flagged || item.significance === 'N/A' || item.regimens.length === 0 || match.status === 'NOT_MATCHED') return undefined;
  const inType = inTumourType(relation);
  const sensitivity = item.significance === 'Sensitivity/Response';
  if (match.status === 'NOT_ASSESSABLE') {
    if (item.direction !== 'Supports') return undefined;
    const partial = match.variants.length > 0 || match.unassessed.some((u) => u.candidates.length > 0);
    if (!inType && !partial) return undefined;
    return { m, role: 'notAssessable', relation, creates: partial || (sensitivity && inType && levelRank(item.level) <= 1) };
  }
  if (item.direction === 'Does Not Support') return { m, role: 'contrary', relation, creates: false };
  if (sensitivity) return { m, role: 'evidence', relation, creates: true };
  return { m, role: 'resistance', relation, creates: inType };
}

function summarise(j: Judged, variants: TherapyPatient['variants']): EvidenceSummary {
  const { item, match } = j.m;
  const inType = inTumourType(j.relation);
  const refs = [...new Set([...match.variants, ...match.unassessed.flatMap((u) => u.candidates)])].sort((a, b) => a - b);
  return {
    id: item.id,
    level: item.level,
    significance: item.significance,
    direction: item.direction,
    ...(item.rating !== undefined ? { rating: item.rating } : {}),
    profile: item.profileName,
    therapies: item.therapies,
    disease: item.disease,
    diseaseRelation: j.relation,
    inTumourType: inType,
    ...(j.role === 'evidence' ? { tier: tierOf(item.level, inType) } : {}),
    citation: item.citation,
    ...(item.statement ? { statement: item.statement } : {}),
    url: item.url,
    variants: refs.map((index) => {
      const v = variants[index];
      return { index, ...(v?.gene ? { gene: v.gene } : {}), ...(v?.proteinChange ? { proteinChange: v.proteinChange } : {}) };
    }),
  };
}

const byStrength = (a: EvidenceSummary, b: EvidenceSummary) =>
  Number(b.inTumourType) - Number(a.inTumourType) || levelRank(a.level) - levelRank(b.level) || (b.rating ?? 0) - (a.rating ?? 0) || a.id - b.id;

function finish(therapy: Regimen, lists: Record<Role, EvidenceSummary[]>, rankWith: SuggestTherapiesOptions['rankWith']): TherapySuggestion {
  for (const list of Object.values(lists)) list.sort(byStrength);
  const tiers = lists.evidence.map((e) => e.tier as Tier);
  const tier = tiers.length > 0 ? tiers.reduce((a, b) => (tierRank(b) < tierRank(a) ? b : a)) : null;
  const behind = tier ? lists.evidence.filter((e) => e.tier === tier) : [...lists.resistance, ...lists.notAssessable, ...lists.contrary];
  const level = behind.map((e) => e.level).reduce((a, b) => (levelRank(b) < levelRank(a) ? b : a), 'E' as EvidenceLevel);
  const p = rankWith?.(therapy);
  return {
    therapy,
    tier,
    level,
    ...(p !== undefined ? { predictedResponse: p } : {}),
    evidence: lists.evidence,
    resistance: lists.resistance,
    contrary: lists.contrary,
    notAssessable: lists.notAssessable as NotAssessableEvidence[],
  };
}

function bestRating(s: TherapySuggestion): number {
  const list = s.tier ? s.evidence.filter((e) => e.tier === s.tier) : [...s.resistance, ...s.notAssessable];
  return Math.max(0, ...list.map((e) => e.rating ?? 0));
}

/**
 * Suggestions ranked by tier, then the best evidence level behind it, then the response model's
 * probability (suggestions it has none for after those it has), then the best CIViC rating, then name.
 */
export function suggestTherapies(patient: TherapyPatient, kb: TherapyKnowledgeBase, options: SuggestTherapiesOptions = {}): TherapySuggestion[] {
  const disease = resolvePatientDisease(patient.cancer, kb.diseases);
  const judged = matchEvidence(kb, patient)
    .map((m) => judge(m, relateDisease(m.item.disease, disease, kb.diseases)))
    .filter((j) => j !== undefined);

  const drafts = new Map<string, { therapy: Regimen; lists: Record<Role, EvidenceSummary[]> }>();
  for (const j of judged) {
    if (!j.creates) continue;
    for (const r of j.m.item.regimens) {
      if (!drafts.has(r.key)) drafts.set(r.key, { therapy: r, lists: { evidence: [], resistance: [], contrary: [], notAssessable: [] } });
    }
  }
  for (const j of judged) {
    const summary = summarise(j, patient.variants);
    for (const r of j.m.item.regimens) {
      const draft = drafts.get(r.key);
      if (!draft) continue;
      const entry: EvidenceSummary | NotAssessableEvidence = j.role === 'notAssessable' ? { ...summary, unassessed: j.m.match.unassessed } : summary;
      draft.lists[j.role].push(entry);
    }
  }

  const out = [...drafts.values()].map((d) => finish(d.therapy, d.lists, options.rankWith));
  const p = (s: TherapySuggestion) => s.predictedResponse ?? -Infinity;
  return out.sort(
    (a, b) =>
      tierRank(a.tier) - tierRank(b.tier) ||
      levelRank(a.level) - levelRank(b.level) ||
      p(b) - p(a) ||
      bestRating(b) - bestRating(a) ||
      a.therapy.name.localeCompare(b.therapy.name),
  );
}
