/**
 * The site's equity report (issue 7, "Equity report"): how the models in service perform per
 * subgroup on the site's own labelled patients, and who is represented among all, sequenced and
 * trial-eligible patients. The result is plain JSON, ready for GraphQL, the CLI table
 * (render-table.ts) and the chart (render-chart.ts). It holds counts and metrics, never a patient id.
 *
 * Which patients the metrics use (`data`): `all` labelled patients by default, since a site's
 * held-out side is often too small to break down by subgroup; the report says so, because a model
 * the site helped train is then scored partly on its own training patients. `held-out` uses only
 * the held-out side of the site's keyed split (site-data's training-set.ts; pass the site's split
 * key), the patients no federated version trained on. Patients whose consent excludes them from
 * model work as of `asOf` are left out of the metrics, and counted in representation.
 */
import type { ModelCard } from '../inference/model-card.ts';
import type { ModelRegistry } from '../inference/model-registry.ts';
import { badInput, isDomainError } from '../errors/domain-error.ts';
import { scoreHeldOut } from '../federation/rollout/held-out-metrics.ts';
import type { LabelledSet } from '../federation/site-data/labelled-set.ts';
import { responseSchema } from '../features/response-schema.ts';
import { TCGA_BRCA_SCHEMA } from '../features/tcga-brca-schema.ts';
import { representation, type AttributeRepresentation } from './representation.ts';
import { loadSitePatients, type SitePatient, type SitePatientServices } from './site-patients.ts';
import { subgroupMetrics, type MetricName, type ScoredExample, type SubgroupMetrics } from './subgroup-metrics.ts';

/** What the report reads: the record, the call sets, the models in service and consent. */
export interface EquityServices extends SitePatientServices {
  models: Pick<ModelRegistry, 'active' | 'lease'>;
}

/** When, which patients, and the suppression threshold. */
export interface EquityOptions {
  /** labels and consent as of this time */
  asOf: Date;
  /** the ids of trial-eligible patients (the trials module's answer); representation omits them without it */
  trialEligible?: () => Promise<Iterable<string>>;
  data?: 'all' | 'held-out';
  splitKey?: string | Uint8Array;
  /** 0.2 by default, as site training */
  heldOutFraction?: number;
  /** subgroups with fewer patients are flagged and their metrics suppressed; 20 by default */
  minSubgroupSize?: number;
}

/** One model in service: its metric overall and per subgroup, or why it was not assessed. */
export interface ModelEquity extends Partial<SubgroupMetrics> {
  model: string;
  task: ModelCard['task'];
  featureSchema: string;
  /** why there are no metrics, when there are none */
  skipped?: string;
}

/** The whole report, JSON-ready: counts, metrics and shares, never a patient id. */
export interface EquityReport {
  asOf: string;
  data: 'all' | 'held-out';
  minSubgroupSize: number;
  patients: { total: number; sequenced: number; trialEligible: number | null; excludedByConsent: number };
  models: ModelEquity[];
  representation: AttributeRepresentation[];
  notes: string[];
}

/** The labelled examples a task's model is scored on, in the shape scoreHeldOut reads. */
function examplesFor(metric: MetricName, featureSchema: string, patients: readonly SitePatient[]): { set: LabelledSet; scored: Omit<ScoredExample, 'score'>[] } {
  const unit = (p: SitePatient) => ({ population: p.tags.population, sex: p.tags.sex, ageBand: p.tags.ageBand });
  if (metric === 'cIndex') {
    const rows = patients.flatMap((p) => (p.prognosis ? [{ p, ...p.prognosis }] : []));
    return {
      set: { task: 'prognosis', featureSchema, examples: rows.map((r) => ({ features: r.features, time: r.time, event: r.event, subgroups: unit(r.p), unit: r.p.ordinal })) },
      scored: rows.map((r) => ({ patient: r.p.ordinal, tags: r.p.tags, time: r.time, event: r.event })),
    };
  }
  const rows = patients.flatMap((p) => p.response.map((r) => ({ p, ...r })));
  return {
    set: { task: 'response', featureSchema, examples: rows.map((r) => ({ features: r.features, label: r.label, subgroups: unit(r.p), unit: r.p.ordinal })) },
    scored: rows.map((r) => ({ patient: r.p.ordinal, tags: r.p.tags, label: r.label })),
  };
}

/** The locally labelled task a card's feature schema reads, if any. */
function metricFor(card: ModelCard): MetricName | undefined {
  const prognosis = `${TCGA_BRCA_SCHEMA.id}@${TCGA_BRCA_SCHEMA.version}`;
  const response = `${responseSchema().id}@${responseSchema().version}`;
  if (card.task === 'prognosis' && card.featureSchema === prognosis) return 'cIndex';
  if (card.task === 'response' && card.featureSchema === response) return 'auc';
  return undefined;
}

async function modelEquity(models: EquityServices['models'], card: ModelCard, patients: readonly SitePatient[], minSize: number): Promise<ModelEquity> {
  const head = { model: `${card.name}@${card.version}`, task: card.task, featureSchema: card.featureSchema };
  const metric = metricFor(card);
  if (!metric) return { ...head, skipped: `the site holds no local labels for ${card.task} models reading ${card.featureSchema}` };
  const { set, scored } = examplesFor(metric, card.featureSchema, patients);
  if (scored.length === 0) return { ...head, skipped: 'no labelled patients for this model at the site' };
  const lease = models.lease(card.name);
  try {
    // the version in service now, which may be newer than the card listed a moment ago
    if (lease.card.version !== card.version) head.model = `${lease.card.name}@${lease.card.version}`;
    const scores = await scoreHeldOut(lease, set);
    return { ...head, ...subgroupMetrics(metric, scored.map((s, i) => ({ ...s, score: scores[i]! }) as ScoredExample), minSize) };
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { ...head, skipped: err.message };
  } finally {
    lease.release();
  }
}

/** Builds the report; see the module comment for which patients each part covers. */
export async function buildEquityReport(services: EquityServices, options: EquityOptions): Promise<EquityReport> {
  if (Number.isNaN(options.asOf.getTime())) throw badInput('asOf is not a valid time');
  const data = options.data ?? 'all';
  const heldOutFraction = options.heldOutFraction ?? 0.2;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) throw badInput('heldOutFraction must be in [0, 1)');
  const minSize = options.minSubgroupSize ?? 20;
  if (!Number.isInteger(minSize) || minSize < 1) throw badInput('minSubgroupSize must be a whole number of patients, at least 1');
  const eligible = options.trialEligible ? new Set(await options.trialEligible()) : undefined;
  const patients = await loadSitePatients(services, {
    asOf: options.asOf,
    heldOutFraction,
    ...(eligible ? { trialEligible: eligible } : {}),
    ...(options.splitKey !== undefined ? { splitKey: options.splitKey } : {}),
  });
  const scored = patients.filter((p) => !p.excludedByConsent && (data === 'all' || p.heldOut));
  const models: ModelEquity[] = [];
  for (const card of services.models.active()) models.push(await modelEquity(services.models, card, scored, minSize));

  const notes = [
    data === 'all'
      ? 'metrics use every labelled patient; a model this site helped train is scored partly on its own training patients'
      : `metrics use the held-out ${Math.round(heldOutFraction * 100)}% of the site's keyed split only`,
    `subgroups with fewer than ${minSize} patients are flagged small and their metrics suppressed`,
    ...(eligible ? [] : ['trial eligibility was not given: the trial-eligible column is left out']),
  ];
  return {
    asOf: options.asOf.toISOString(),
    data,
    minSubgroupSize: minSize,
    patients: {
      total: patients.length,
      sequenced: patients.filter((p) => p.sequenced).length,
      trialEligible: eligible ? patients.filter((p) => p.trialEligible).length : null,
      excludedByConsent: patients.filter((p) => p.excludedByConsent).length,
    },
    models,
    representation: representation(patients, eligible !== undefined),
    notes,
  };
}
