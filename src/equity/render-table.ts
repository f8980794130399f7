/**
 * The equity report as plain-text tables for `sangam report equity`: one table per model (its
 * metric per subgroup, with sizes, and the gaps) and one representation table. Columns are padded
 * to their widest cell, so the output reads in a terminal and diffs cleanly.
 */
import type { EquityReport, ModelEquity } from './build-equity-report.ts';
import type { Share } from './representation.ts';

const METRIC_LABEL = { cIndex: 'C-index', auc: 'AUC' } as const;

/** Left-aligned columns separated by two spaces, with a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '-' : v.toFixed(digits));
const percent = (s: Share | undefined) => (s === undefined ? '' : `${s.count} (${s.share === null ? '-' : `${(s.share * 100).toFixed(1)}%`})`);

function modelTable(m: ModelEquity): string {
  if (m.skipped || !m.overall || !m.attributes || !m.metric) return `Model ${m.model} (${m.task}): not assessed: ${m.skipped ?? 'no metrics'}`;
  const label = METRIC_LABEL[m.metric];
  const rows = [m.overall, ...m.attributes.flatMap((a) => a.groups)].map((g) => [
    g.attribute,
    g.group,
    String(g.patients),
    String(g.examples),
    String(g.events),
    g.value === null ? `- (${g.suppressed})` : fixed(g.value),
  ]);
  const gaps = m.attributes.filter((a) => a.gap !== undefined).map((a) => `  ${a.attribute}: worst ${a.worst!.group} ${fixed(a.worst!.value)}, best ${a.best!.group} ${fixed(a.best!.value)}, gap ${fixed(a.gap)}`);
  const worst = m.worstGroup
    ? `Worst group: ${m.worstGroup.attribute} ${m.worstGroup.group} ${fixed(m.worstGroup.value)}, ${fixed(m.worstGroup.gapToOverall)} below overall`
    : 'Worst group: none (no attribute shows two groups)';
  return [
    `Model ${m.model} (${m.task}, ${label})`,
    formatTable(['attribute', 'group', 'patients', 'examples', m.task === 'prognosis' ? 'deaths' : 'responses', label], rows),
    'Gaps within each attribute:',
    ...(gaps.length > 0 ? gaps : ['  none (no attribute shows two groups)']),
    worst,
  ].join('\n');
}

function representationTable(report: EquityReport): string {
  const withTrials = report.patients.trialEligible !== null;
  const header = ['attribute', 'group', 'all n (%)', 'sequenced n (%)', 'ratio', ...(withTrials ? ['trial-eligible n (%)', 'ratio'] : [])];
  const rows = report.representation.flatMap((a) =>
    a.groups.map((g) => [
      a.attribute,
      g.group,
      percent(g.all),
      percent(g.sequenced),
      fixed(g.sequencedRatio, 2),
      ...(withTrials ? [percent(g.trialEligible), fixed(g.trialEligibleRatio, 2)] : []),
    ]),
  );
  return ['Representation (ratio = share in that column / share among all patients)', formatTable(header, rows)].join('\n');
}

/** The whole report as text. */
export function renderEquityTable(report: EquityReport): string {
  const p = report.patients;
  const head = [
    `Equity report as of ${report.asOf}`,
    `Patients: ${p.total}; sequenced ${p.sequenced}; trial-eligible ${p.trialEligible ?? 'not given'}; excluded from metrics by consent ${p.excludedByConsent}`,
    ...report.notes.map((n) => `Note: ${n}`),
  ].join('\n');
  return [head, ...report.models.map(modelTable), representationTable(report)].join('\n\n') + '\n';
}
