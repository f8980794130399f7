/**
 * The equity report as a hand-written SVG 1.1 chart (https://www.w3.org/TR/SVG11/): grouped bars of
 * each group's share among all, sequenced and trial-eligible patients, then for each assessed
 * model one bar per subgroup with its metric and the overall value as a dashed line. Every bar is
 * a `rect` of class `bar` carrying data-* attributes (section, attribute, group, series) and a
 * `title` tooltip, so the chart can be checked and read without the report beside it. A suppressed
 * subgroup keeps its place as a flat grey bar labelled with the reason. `renderEquityPng`
 * rasterises the same SVG with sharp (librsvg).
 */
import sharp from 'sharp';
import type { EquityReport, ModelEquity } from './build-equity-report.ts';
import { POPULATIONS, type Population } from './representation.ts';

const WIDTH = 960;
const MARGIN = 48;
const PANEL_HEIGHT = 150;
const PANEL_GAP = 64;
const COLOURS: Readonly<Record<Population | 'metric', string>> = { all: '#4e79a7', sequenced: '#f28e2b', trialEligible: '#59a14f', metric: '#76b7b2' };
const SERIES_LABEL: Readonly<Record<Population, string>> = { all: 'all patients', sequenced: 'sequenced', trialEligible: 'trial-eligible' };

/** Escapes text for XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const num = (v: number) => (Math.round(v * 10) / 10).toString();

interface Bar {
  group: string;
  series: string;
  /** in [0, 1]; null draws the flat placeholder */
  value: number | null;
  colour: string;
  tooltip: string;
}

/** One panel: a title, a 0-1 axis, bars clustered by group, an optional reference line. */
function panel(y: number, title: string, section: string, attribute: string, groups: readonly string[], bars: readonly Bar[], reference?: { value: number; label: string }): string {
  const plotWidth = WIDTH - 2 * MARGIN;
  const perGroup = Math.max(1, ...groups.map((g) => bars.filter((b) => b.group === g).length));
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const barWidth = Math.min(28, (groupWidth * 0.8) / perGroup);
  const top = y + 20;
  const bottom = top + PANEL_HEIGHT;
  const yOf = (v: number) => bottom - v * PANEL_HEIGHT;
  const parts = [
    `<text x="${MARGIN}" y="${num(y + 12)}" class="panel-title">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN}" y1="${num(bottom)}" x2="${WIDTH - MARGIN}" y2="${num(bottom)}" class="axis"/>`,
    ...[0, 0.5, 1].map((t) => `<text x="${MARGIN - 6}" y="${num(yOf(t) + 4)}" class="tick" text-anchor="end">${t}</text>`),
  ];
  groups.forEach((group, gi) => {
    const mine = bars.filter((b) => b.group === group);
    const x0 = MARGIN + gi * groupWidth + (groupWidth - mine.length * barWidth) / 2;
    mine.forEach((b, bi) => {
      const x = num(x0 + bi * barWidth);
      const data = `data-section="${escapeXml(section)}" data-attribute="${escapeXml(attribute)}" data-group="${escapeXml(group)}" data-series="${escapeXml(b.series)}"`;
      const height = b.value === null ? 2 : Math.max(0, Math.min(1, b.value)) * PANEL_HEIGHT;
      const fill = b.value === null ? '#bbbbbb' : b.colour;
      parts.push(`<rect class="bar" ${data} x="${x}" y="${num(bottom - height)}" width="${num(barWidth - 2)}" height="${num(height)}" fill="${fill}"><title>${escapeXml(b.tooltip)}</title></rect>`);
      if (b.value === null) parts.push(`<text x="${num(x0 + (bi + 0.5) * barWidth)}" y="${num(bottom - 6)}" class="tick" text-anchor="middle">suppressed</text>`);
    });
    const label = group.length * 6 > groupWidth ? `${group.slice(0, Math.max(1, Math.floor(groupWidth / 6) - 1))}…` : group;
    parts.push(`<text x="${num(MARGIN + (gi + 0.5) * groupWidth)}" y="${num(bottom + 14)}" class="label" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  if (reference) {
    parts.push(`<line x1="${MARGIN}" y1="${num(yOf(reference.value))}" x2="${WIDTH - MARGIN}" y2="${num(yOf(reference.value))}" class="reference"/>`);
    parts.push(`<text x="${WIDTH - MARGIN}" y="${num(yOf(reference.value) - 4)}" class="tick" text-anchor="end">${escapeXml(reference.label)}</text>`);
  }
  return parts.join('\n');
}

function representationPanels(report: EquityReport, startY: number): { svg: string[]; y: number } {
  const series = POPULATIONS.filter((p) => p !== 'trialEligible' || report.patients.trialEligible !== null);
  let y = startY;
  const svg = report.representation.map((a) => {
    const bars = a.groups.flatMap((g) =>
      series.map((s): Bar => {
        const share = g[s];
        const pct = share?.share === null || share === undefined ? 'no patients' : `${(share.share * 100).toFixed(1)}%`;
        return { group: g.group, series: s, value: share?.share ?? 0, colour: COLOURS[s], tooltip: `${g.group}, ${SERIES_LABEL[s]}: ${share?.count ?? 0} (${pct})` };
      }),
    );
    const out = panel(y, `Share of patients by ${a.attribute}`, 'representation', a.attribute, a.groups.map((g) => g.group), bars);
    y += PANEL_HEIGHT + PANEL_GAP;
    return out;
  });
  return { svg, y };
}

function modelPanels(m: ModelEquity, startY: number): { svg: string[]; y: number } {
  if (!m.attributes || !m.overall || !m.metric) return { svg: [], y: startY };
  const metric = m.metric === 'cIndex' ? 'C-index' : 'AUC';
  let y = startY;
  const svg = m.attributes.map((a) => {
    const bars = a.groups.map((g): Bar => ({
      group: g.group,
      series: m.model,
      value: g.value,
      colour: COLOURS.metric,
      tooltip: g.value === null ? `${g.group}: ${g.suppressed} (${g.patients} patients)` : `${g.group}: ${metric} ${g.value.toFixed(3)} (${g.patients} patients)`,
    }));
    const overall = m.overall!.value;
    const out = panel(y, `${m.model}: ${metric} by ${a.attribute}`, 'performance', a.attribute, a.groups.map((g) => g.group), bars, overall === null ? undefined : { value: overall, label: `overall ${overall.toFixed(3)}` });
    y += PANEL_HEIGHT + PANEL_GAP;
    return out;
  });
  return { svg, y };
}

/** The chart as a standalone SVG document. */
export function renderEquityChart(report: EquityReport): string {
  const legendY = 44;
  const series = POPULATIONS.filter((p) => p !== 'trialEligible' || report.patients.trialEligible !== null);
  const legend = series.map((s, i) => `<rect x="${MARGIN + i * 150}" y="${legendY}" width="12" height="12" fill="${COLOURS[s]}"/><text x="${MARGIN + i * 150 + 18}" y="${legendY + 10}" class="label">${SERIES_LABEL[s]}</text>`);
  const rep = representationPanels(report, legendY + 32);
  let y = rep.y;
  const models: string[] = [];
  for (const m of report.models) {
    const drawn = modelPanels(m, y);
    models.push(...drawn.svg);
    y = drawn.y;
  }
  const height = Math.ceil(y);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    '<style>.panel-title{font-size:13px;font-weight:bold}.label{font-size:11px}.tick{font-size:10px;fill:#555}.axis{stroke:#333}.reference{stroke:#c00;stroke-dasharray:4 3}</style>',
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="26" font-size="16" font-weight="bold">${escapeXml(`Equity report as of ${report.asOf.slice(0, 10)}: ${report.patients.total} patients`)}</text>`,
    ...legend,
    ...rep.svg,
    ...models,
    '</svg>',
    '',
  ].join('\n');
}

/** The chart as PNG, rasterised from the SVG. */
export async function renderEquityPng(report: EquityReport): Promise<Buffer> {
  return sharp(Buffer.from(renderEquityChart(report), 'utf8')).png().toBuffer();
}
