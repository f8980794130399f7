/**
 * A model's metric overall and per subgroup, with the worst-group gap: prognosis models by Harrell's
 * C-index on their risk, response models by ROC AUC on their probability (modeling/metrics.ts).
 * A subgroup with fewer than `minPatients` patients is flagged small and its metric suppressed:
 * a C-index or AUC over a handful of patients is noise, and a metric over very few patients says
 * something about those patients. A metric the data cannot define (no events, one class) is
 * suppressed too. Gaps are taken over the metrics that are shown.
 *
 * Worst-group reporting follows the subgroup-robustness literature (Sagawa et al., ICLR 2020,
 * "worst-group accuracy"): per attribute, the best and worst group and the gap between them; across
 * attributes, the worst group and how far it falls below the overall metric.
 */
import { auc, concordanceIndex } from '../modeling/metrics.ts';
import { compareGroups, EQUITY_ATTRIBUTES, type EquityAttribute, type EquityTags } from './site-patients.ts';

/** Harrell's C-index for prognosis, ROC AUC for response. */
export type MetricName = 'cIndex' | 'auc';

/** One scored example: its patient (ordinal), tags and label. */
export type ScoredExample = { patient: number; tags: EquityTags; score: number } & ({ time: number; event: 0 | 1 } | { label: 0 | 1 });

/** A group's size and metric (null when suppressed, with the reason). */
export interface GroupMetric {
  attribute: EquityAttribute | 'overall';
  group: string;
  patients: number;
  examples: number;
  /** deaths (prognosis) or responses (response) */
  events: number;
  /** null when suppressed */
  value: number | null;
  /** fewer patients than the minimum */
  small: boolean;
  suppressed?: 'small group' | 'undefined for this group';
}

/** The groups of one attribute, with the best, the worst and the gap between them. */
export interface AttributeMetrics {
  attribute: EquityAttribute;
  groups: GroupMetric[];
  best?: { group: string; value: number };
  worst?: { group: string; value: number };
  /** best − worst among the groups shown; absent with fewer than two shown */
  gap?: number;
}

/** A model's metric overall, per attribute, and its worst group. */
export interface SubgroupMetrics {
  metric: MetricName;
  overall: GroupMetric;
  attributes: AttributeMetrics[];
  /** the lowest metric shown across attributes with a gap, and overall − it */
  worstGroup?: { attribute: EquityAttribute; group: string; value: number; gapToOverall: number };
}

function metricOf(metric: MetricName, members: readonly ScoredExample[]): number {
  const scores = members.map((e) => e.score);
  if (metric === 'cIndex') {
    const survival = members as readonly (ScoredExample & { time: number; event: 0 | 1 })[];
    return concordanceIndex(scores, survival.map((e) => e.time), survival.map((e) => e.event));
  }
  return auc(scores, (members as readonly (ScoredExample & { label: 0 | 1 })[]).map((e) => e.label));
}

const eventOf = (e: ScoredExample) => ('event' in e ? e.event : e.label);

function groupMetric(metric: MetricName, attribute: GroupMetric['attribute'], group: string, members: readonly ScoredExample[], minPatients: number): GroupMetric {
  const patients = new Set(members.map((e) => e.patient)).size;
  const base = { attribute, group, patients, examples: members.length, events: members.reduce((n, e) => n + eventOf(e), 0), small: patients < minPatients };
  if (base.small) return { ...base, value: null, suppressed: 'small group' };
  const value = metricOf(metric, members);
  return Number.isFinite(value) ? { ...base, value } : { ...base, value: null, suppressed: 'undefined for this group' };
}

/** The metric overall, per group of each attribute (in `compareGroups` order), and the gaps. */
export function subgroupMetrics(metric: MetricName, examples: readonly ScoredExample[], minPatients: number): SubgroupMetrics {
  const overall = groupMetric(metric, 'overall', 'all', examples, minPatients);
  const attributes = EQUITY_ATTRIBUTES.map((attribute): AttributeMetrics => {
    const byGroup = new Map<string, ScoredExample[]>();
    for (const e of examples) byGroup.set(e.tags[attribute], [...(byGroup.get(e.tags[attribute]) ?? []), e]);
    const groups = [...byGroup.keys()].sort(compareGroups(attribute)).map((g) => groupMetric(metric, attribute, g, byGroup.get(g)!, minPatients));
    const shown = groups.filter((g): g is GroupMetric & { value: number } => g.value !== null).sort((a, b) => a.value - b.value);
    const worst = shown[0];
    const best = shown.at(-1);
    // a gap needs two groups to compare
    if (shown.length < 2 || !worst || !best) return { attribute, groups };
    return { attribute, groups, worst: { group: worst.group, value: worst.value }, best: { group: best.group, value: best.value }, gap: best.value - worst.value };
  });
  const candidates = attributes.flatMap((a) => (a.worst ? [{ attribute: a.attribute, ...a.worst }] : []));
  const lowest = candidates.sort((a, b) => a.value - b.value)[0];
  return {
    metric,
    overall,
    attributes,
    ...(lowest && overall.value !== null ? { worstGroup: { ...lowest, gapToOverall: overall.value - lowest.value } } : {}),
  };
}
