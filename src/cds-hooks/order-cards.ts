/**
 * The order-select / order-sign warnings (https://cds-hooks.hl7.org/hooks/order-sign/): a drafted
 * anticancer regimen that meets CIViC resistance evidence for the patient's tumour, or whose
 * predicted probability of response is low.
 *
 * Which suggestions a draft meets: the suggestion whose regimen is exactly the drafted drugs when
 * there is one (so BRAF V600E's resistance to cetuximab alone does not fire on encorafenib +
 * cetuximab, which the same mutation calls for), else every suggestion whose drugs are all drafted
 * (cetuximab's KRAS resistance fires on FOLFIRI + cetuximab).
 */
import type { ResponsePrediction } from '../inference/response-predictions.ts';
import type { TherapySuggestion } from '../therapy/suggest-therapies.ts';
import type { TherapySuggestions } from '../therapy/therapy-service.ts';
import { randomUUID } from 'node:crypto';
import { makeCard, OVERRIDE_REASONS, TOPIC_SYSTEM, type CardLink, type CardRecord } from './card.ts';
import type { DraftedDrugs } from './draft-orders.ts';

/** The suggestions (with resistance) that the drafted drugs meet. */
export function suggestionsMet(t: TherapySuggestions, drafted: DraftedDrugs): TherapySuggestion[] {
  const set = new Set(drafted.drugs);
  const drugsOf = (s: TherapySuggestion) => s.therapy.drugs.map((d) => d.toLowerCase());
  const exact = t.suggestions.find((s) => drugsOf(s).length === set.size && drugsOf(s).every((d) => set.has(d)));
  if (exact) return [exact];
  return t.suggestions.filter((s) => s.therapy.drugs.length > 0 && drugsOf(s).every((d) => set.has(d)));
}

function removeSuggestion(drafted: DraftedDrugs) {
  const uuid = randomUUID();
  return {
    uuid,
    suggestion: {
      label: drafted.orders.length > 1 ? 'Remove these draft orders' : 'Remove this draft order',
      uuid,
      isRecommended: false,
      actions: drafted.orders.map((ref) => ({ type: 'delete' as const, description: `Remove ${ref}`, resourceId: ref })),
    },
  };
}

/** One warning card per drafted regimen that meets resistance evidence. */
export function resistanceCard(t: TherapySuggestions, drafted: DraftedDrugs): CardRecord | undefined {
  const met = suggestionsMet(t, drafted).filter((s) => s.resistance.length > 0);
  if (met.length === 0) return undefined;
  const items = met.flatMap((s) => s.resistance.map((e) => ({ s, e })));
  const best = items[0]!;
  const variants = [...new Set(items.flatMap(({ e }) => e.variants.map((v) => [v.gene, v.proteinChange].filter(Boolean).join(' '))))].filter(Boolean);
  const remove = removeSuggestion(drafted);
  const links: CardLink[] = items.slice(0, 4).map(({ e }) => ({ label: `CIViC EID ${e.id} (level ${e.level})`, url: e.url, type: 'absolute' }));
  const card = makeCard({
    summary: `Resistance evidence: ${variants.join(', ') || 'the tumour profile'} vs ${met.map((s) => s.therapy.name).join(', ')} (CIViC level ${best.e.level})`,
    detail:
      `The drafted ${drafted.drugs.join(' + ')} meets ${items.length} CIViC resistance item(s) for this patient's tumour profile:\n\n` +
      items
        .slice(0, 6)
        .map(({ s, e }) => `- ${s.therapy.name}: EID ${e.id}, level ${e.level}, ${e.significance}, ${e.disease.name}${e.inTumourType ? ' (this tumour type)' : ''}; ${e.profile}`)
        .join('\n') +
      `\n\nSource: ${t.knowledgeBase}.`,
    indicator: 'warning',
    source: { label: 'Sangam therapy evidence (CIViC)', url: 'https://civicdb.org', topic: { system: TOPIC_SYSTEM, code: 'resistance', display: 'Resistance evidence' } },
    suggestions: [remove.suggestion],
    selectionBehavior: 'at-most-one',
    overrideReasons: OVERRIDE_REASONS,
    links,
  });
  return {
    card,
    kind: 'resistance',
    proposals: [{ uuid: remove.uuid, label: remove.suggestion.label, drugs: drafted.drugs }],
    provenance: { knowledgeBase: t.knowledgeBase, regimens: met.map((s) => s.therapy.name).join('|') },
  };
}

/**
 * A warning when the drafted regimen's predicted probability of response is below `threshold`,
 * beside the best regimen the model knows for the tumour.
 */
export function lowResponseCard(drafted: DraftedDrugs, regimen: string, predicted: ResponsePrediction | undefined, alternatives: readonly ResponsePrediction[], threshold: number): CardRecord | undefined {
  if (!predicted || predicted.probability >= threshold) return undefined;
  const better = alternatives.find((a) => a.therapy !== regimen && a.probability > predicted.probability);
  const remove = removeSuggestion(drafted);
  const card = makeCard({
    summary: `Low predicted response to ${regimen}: ${Math.round(predicted.probability * 100)}%${better ? ` (${better.therapy}: ${Math.round(better.probability * 100)}%)` : ''}`,
    detail:
      `Model **${predicted.modelVersion}** predicts a ${Math.round(predicted.probability * 100)}% probability of response to ${regimen} as line ${predicted.line} (warning below ${Math.round(threshold * 100)}%).\n\n` +
      alternatives.slice(0, 5).map((a) => `- ${a.therapy}: ${Math.round(a.probability * 100)}%`).join('\n') +
      (predicted.missingInputs.length > 0 ? `\n\nInputs missing from the record (imputed): ${predicted.missingInputs.map((m) => m.feature).join(', ')}.` : ''),
    indicator: 'warning',
    source: { label: 'Sangam response model', topic: { system: TOPIC_SYSTEM, code: 'low-response', display: 'Predicted response' } },
    suggestions: [remove.suggestion],
    selectionBehavior: 'at-most-one',
    overrideReasons: OVERRIDE_REASONS,
  });
  return {
    card,
    kind: 'low-response',
    proposals: [{ uuid: remove.uuid, label: remove.suggestion.label, therapy: regimen, drugs: drafted.drugs }],
    provenance: { model: predicted.modelVersion, regimen, probability: predicted.probability.toFixed(4) },
  };
}
