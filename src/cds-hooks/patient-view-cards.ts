/**
 * The patient-view cards (https://cds-hooks.hl7.org/hooks/patient-view/): prognosis, the top
 * evidence-backed therapy options (each a suggestion that drafts the order), and matching trials.
 * A card is left out when there is nothing to say; an empty list is a valid answer.
 */
import type { PrognosisPrediction } from '../inference/prognosis-predictions.ts';
import type { TherapySuggestions } from '../therapy/therapy-service.ts';
import type { TherapySuggestion } from '../therapy/suggest-therapies.ts';
import { randomUUID } from 'node:crypto';
import { makeCard, TOPIC_SYSTEM, type CardAction, type CardLink, type CardRecord } from './card.ts';
import type { TrialHit } from './patient-insights.ts';

export interface PatientViewCardOptions {
  patientId: string;
  topTherapies: number;
  topTrials: number;
  /** RxNorm code → ingredient name, to code drafted orders */
  drugNames: ReadonlyMap<string, string>;
  smartAppUrl?: string;
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const YEAR = 365.25;

function smartLink(options: PatientViewCardOptions, label: string): CardLink[] {
  return options.smartAppUrl ? [{ label, url: options.smartAppUrl, type: 'smart', appContext: JSON.stringify({ patient: options.patientId }) }] : [];
}

function survivalAt(p: PrognosisPrediction, days: number): number | undefined {
  let best: number | undefined;
  for (const point of p.survivalCurve) if (point.day <= days) best = point.probability;
  return p.survivalCurve.length > 0 && (p.survivalCurve[p.survivalCurve.length - 1]?.day ?? 0) >= days * 0.9 ? best : undefined;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The prognosis card, or undefined without a prediction. */
export function prognosisCard(p: PrognosisPrediction | null, options: PatientViewCardOptions): CardRecord | undefined {
  if (!p) return undefined;
  const years = [1, 3, 5].map((y) => ({ y, s: survivalAt(p, y * YEAR) })).filter((x) => x.s !== undefined);
  const headline =
    p.medianSurvivalDays !== null
      ? `median survival about ${(p.medianSurvivalDays / YEAR).toFixed(1)} years`
      : years.length > 0
        ? `${years[years.length - 1]!.y}-year survival ${pct(years[years.length - 1]!.s!)}`
        : `risk score ${p.risk.toFixed(2)}`;
  const missing = p.missingInputs.length > 0 ? `\n\nInputs missing from the record (imputed): ${p.missingInputs.map((m) => m.feature).join(', ')}.` : '';
  const detail =
    `Cox model **${p.modelVersion}** (features ${p.featureSchema}). Risk score ${p.risk.toFixed(3)}.\n\n` +
    years.map((x) => `- ${x.y}-year survival: ${pct(x.s!)}`).join('\n') +
    missing +
    '\n\nA population estimate to inform, not replace, clinical judgement.';
  const card = makeCard({
    summary: `Prognosis: ${headline} (${p.modelVersion})`,
    detail,
    indicator: 'info',
    source: { label: 'Sangam prognosis model', topic: { system: TOPIC_SYSTEM, code: 'prognosis', display: 'Prognosis' } },
    links: smartLink(options, 'Open survival curve in Sangam'),
  });
  return { card, kind: 'prognosis', proposals: [], provenance: { model: p.modelVersion, featureSchema: p.featureSchema } };
}

function rxnormOf(drug: string, drugNames: ReadonlyMap<string, string>): string | undefined {
  const name = drug.toLowerCase();
  for (const [code, n] of drugNames) if (n === name) return code;
  return undefined;
}

/** Draft MedicationRequests for a regimen: one per drug, coded with RxNorm when the drug is known. */
function draftActions(s: TherapySuggestion, options: PatientViewCardOptions): CardAction[] {
  return s.therapy.drugs.map((drug) => {
    const code = rxnormOf(drug, options.drugNames);
    return {
      type: 'create',
      description: `Draft an order for ${drug}`,
      resource: {
        resourceType: 'MedicationRequest',
        status: 'draft',
        intent: 'proposal',
        subject: { reference: `Patient/${options.patientId}` },
        medicationCodeableConcept: { ...(code ? { coding: [{ system: RXNORM, code, display: drug.toLowerCase() }] } : {}), text: drug },
      },
    };
  });
}

function describe(s: TherapySuggestion): string {
  const variants = [...new Set(s.evidence.flatMap((e) => e.variants.map((v) => [v.gene, v.proteinChange].filter(Boolean).join(' '))))].filter(Boolean);
  const eids = s.evidence.slice(0, 4).map((e) => `[EID ${e.id}](${e.url})`).join(', ');
  const response = s.predictedResponse !== undefined ? `; predicted response ${pct(s.predictedResponse)}` : '';
  const warn = s.resistance.length > 0 ? ` ⚠ also ${s.resistance.length} resistance item(s)` : '';
  return `- **${s.therapy.name}**: Tier ${s.tier}, level ${s.level}${response}; ${variants.join(', ') || 'matched profile'}; ${eids}${warn}`;
}

/** The therapy-options card: the top tiered regimens, each a suggestion drafting its orders. */
export function therapyCard(t: TherapySuggestions, options: PatientViewCardOptions): CardRecord | undefined {
  const top = t.suggestions.filter((s) => s.tier !== null).slice(0, options.topTherapies);
  if (top.length === 0) return undefined;
  const first = top[0]!;
  const suggestions = top.map((s) => ({ label: `Draft ${s.therapy.name}`, uuid: randomUUID(), isRecommended: false, actions: draftActions(s, options) }));
  const links: CardLink[] = [...smartLink(options, 'All therapy options in Sangam')];
  for (const s of top) {
    const e = s.evidence[0];
    if (e && links.length < 5) links.push({ label: `CIViC EID ${e.id} (${s.therapy.name})`, url: e.url, type: 'absolute' });
  }
  const card = makeCard({
    summary: `${top.length} evidence-backed option${top.length > 1 ? 's' : ''}; top: ${first.therapy.name} (Tier ${first.tier}, level ${first.level})`,
    detail:
      `Matched against ${t.knowledgeBase} (AMP/ASCO/CAP tiers)${t.modelVersion ? `, ranked within tier by ${t.modelVersion}` : ''}.\n\n` +
      top.map(describe).join('\n'),
    indicator: 'info',
    source: { label: 'Sangam therapy evidence (CIViC)', url: 'https://civicdb.org', topic: { system: TOPIC_SYSTEM, code: 'therapy', display: 'Therapy options' } },
    suggestions,
    selectionBehavior: 'at-most-one',
    links,
  });
  return {
    card,
    kind: 'therapy',
    proposals: top.map((s, i) => ({ uuid: suggestions[i]!.uuid, label: suggestions[i]!.label, therapy: s.therapy.name, drugs: s.therapy.drugs.map((d) => d.toLowerCase()) })),
    provenance: { knowledgeBase: t.knowledgeBase, model: t.modelVersion },
  };
}

const STATUS_TEXT: Record<TrialHit['status'], string> = { ELIGIBLE: 'eligible', POSSIBLY_ELIGIBLE: 'possibly eligible' };

/** The trials card: the best matches, linked to their registry pages. */
export function trialsCard(hits: readonly TrialHit[], options: PatientViewCardOptions): CardRecord | undefined {
  const top = hits.slice(0, options.topTrials);
  if (top.length === 0) return undefined;
  const links: CardLink[] = [
    ...smartLink(options, 'Trial matches in Sangam'),
    ...top.filter((h) => /^NCT\d{8}$/.test(h.id)).map((h): CardLink => ({ label: h.id, url: `https://clinicaltrials.gov/study/${h.id}`, type: 'absolute' })),
  ];
  const card = makeCard({
    summary: `${hits.length} trial${hits.length > 1 ? 's' : ''} may fit: ${top.map((h) => `${h.id} (${STATUS_TEXT[h.status]})`).join(', ')}`,
    detail: top.map((h) => `- **${h.id}** ${h.title}: ${STATUS_TEXT[h.status]}, ${Math.round(h.score * 100)}% of criteria favourable`).join('\n') +
      '\n\nPossibly eligible means some criteria could not be decided from the record.',
    indicator: 'info',
    source: { label: 'Sangam trial matching', topic: { system: TOPIC_SYSTEM, code: 'trials', display: 'Clinical trials' } },
    links,
  });
  return { card, kind: 'trials', proposals: [], provenance: { trials: top.map((h) => h.id).join(',') } };
}
