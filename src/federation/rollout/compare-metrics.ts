/**
 * The acceptance rule: a candidate version may not be worse than the version in service by more
 * than the tolerance on any metric, overall or in any subgroup large enough to judge. A subgroup
 * with fewer than `minSize` held-out examples is reported but does not gate: on a few patients a
 * C-index or AUC moves by more than any sensible tolerance from chance alone, and a site would
 * refuse every version. Nor does a metric that is undefined for either model (no comparable pairs,
 * or one class only). The overall row always gates when it is defined.
 */
import type { LabelledSet, SubgroupAttribute } from '../site-data/labelled-set.ts';
import { eventsOf, metricsOf, subgroupsOf } from './held-out-metrics.ts';

/** Held-out examples a subgroup needs before its metrics can refuse a version. */
export const DEFAULT_MIN_SUBGROUP_SIZE = 30;

export interface SubgroupOptions {
  /** attributes to break metrics down by; all of them by default */
  attributes?: readonly SubgroupAttribute[];
  /** examples a subgroup needs to gate; DEFAULT_MIN_SUBGROUP_SIZE by default */
  minSize?: number;
}

/** One metric of one subgroup for both versions. */
export interface MetricRow {
  subgroup: string;
  metric: string;
  size: number;
  /** deaths (prognosis) or responses (response) in the subgroup */
  events: number;
  current: number | null;
  candidate: number | null;
  /** candidate − current */
  change: number | null;
  gating: boolean;
  note?: string;
}

export interface CompareOptions extends SubgroupOptions {
  set: LabelledSet;
  /** scores of the version in service; absent when there is none */
  current?: Float32Array;
  candidate: Float32Array;
  /** the largest fall allowed on any gating metric */
  tolerance: number;
}

const defined = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/** Every metric row, and the gating rows where the candidate fell by more than the tolerance. */
export function compareMetrics(options: CompareOptions): { rows: MetricRow[]; failures: MetricRow[] } {
  const { set, current, candidate, tolerance } = options;
  const minSize = options.minSize ?? DEFAULT_MIN_SUBGROUP_SIZE;
  const rows: MetricRow[] = [];
  for (const group of subgroupsOf(set, options.attributes)) {
    const after = metricsOf(set, candidate, group.members);
    const before = current ? metricsOf(set, current, group.members) : undefined;
    for (const [metric, value] of Object.entries(after)) {
      const old = before?.[metric];
      const both = defined(value) && defined(old);
      let note: string | undefined;
      if (!current) note = 'no version in service to compare with';
      else if (!both) note = 'undefined for this subgroup (no comparable pairs, or one class only)';
      else if (group.label !== 'overall' && group.members.length < minSize) note = `fewer than ${minSize} held-out examples: reported, not gating`;
      rows.push({
        subgroup: group.label,
        metric,
        size: group.members.length,
        events: eventsOf(set, group.members),
        current: defined(old) ? old : null,
        candidate: defined(value) ? value : null,
        change: both ? value - old : null,
        gating: note === undefined,
        ...(note ? { note } : {}),
      });
    }
  }
  // the 1e-12 keeps float noise on an unchanged metric from counting as a fall
  const failures = rows.filter((r) => r.gating && r.change !== null && r.change < -tolerance - 1e-12);
  return { rows, failures };
}
