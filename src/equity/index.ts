/** The site's equity report (issue 7): per-subgroup model metrics and representation, as JSON, text and SVG/PNG. */
export { buildEquityReport, type EquityOptions, type EquityReport, type EquityServices, type ModelEquity } from './build-equity-report.ts';
export { renderEquityTable } from './render-table.ts';
export { renderEquityChart, renderEquityPng } from './render-chart.ts';
export { EQUITY_ATTRIBUTES, type EquityAttribute } from './site-patients.ts';
export type { AttributeMetrics, GroupMetric, MetricName } from './subgroup-metrics.ts';
export type { AttributeRepresentation, RepresentationRow, Share } from './representation.ts';
