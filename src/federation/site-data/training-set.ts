/**
 * A site's training data for one task, assembled from its own stored records: the features the
 * task's model reads, the labels the records hold (outcome-labels.ts), consent applied as of the
 * round's start (consent-service.ts), and a split into training and held-out patients.
 *
 * The split is per patient and fixed: HMAC-SHA256 of the patient id under the site's split key
 * puts a patient on the held-out side when its first 48 bits, as a fraction, fall below
 * `heldOutFraction`. A patient stays on the same side in every round, so the patients a new
 * version is tested on never trained any version; and no one without the key can tell which side
 * a patient is on. Patient ids never leave this function: examples carry a per-set ordinal instead.
 */
import { createHmac } from 'node:crypto';
import type { ClinicalService } from '../../clinical/clinical-service.ts';
import type { ClinicalSummary } from '../../clinical/mcode/types.ts';
import { badInput } from '../../errors/domain-error.ts';
import { assembleFeatures, type FeatureSchema, type Standardisation } from '../../features/feature-schema.ts';
import { regimenEncoding, RESPONSE_FEATURE_NAMES, responseSchema } from '../../features/response-schema.ts';
import { TCGA_BRCA_SCHEMA } from '../../features/tcga-brca-schema.ts';
import type { ConsentService } from './consent-service.ts';
import { subgroupTagsOf, type LabelledSet, type PrognosisExample, type ResponseExample } from './labelled-set.ts';
import { responseOutcomes, survivalOutcome } from './outcome-labels.ts';

/** The tasks a site can train: the breast-cancer Cox model and the therapy-response model. */
export type SiteTask = 'prognosis-brca' | 'response';

export interface SiteDataServices {
  clinical: Pick<ClinicalService, 'listPatients' | 'summaries'>;
  consent: Pick<ConsentService, 'excludedPatients'>;
}

export interface SiteTrainingOptions {
  task: SiteTask;
  /** the round's start: consent recorded before it applies */
  asOf: Date;
  /** the site's secret for the split; set it per site (a default key makes the split guessable) */
  splitKey?: string | Uint8Array;
  /** share of patients held out; 0.2 by default */
  heldOutFraction?: number;
}

/** Patient counts only: what the caller may log or report. */
export interface SiteCounts {
  patients: number;
  excludedByConsent: number;
  /** outside the task (prognosis-brca: not breast cancer) */
  notEligible: number;
  /** eligible, but the record holds no usable label */
  withoutLabel: number;
  trainPatients: number;
  heldOutPatients: number;
  trainExamples: number;
  heldOutExamples: number;
}

/** The sets, or a typed answer that the site's records hold no usable label for the task. */
export type SiteTrainingSet =
  | { status: 'ready'; task: SiteTask; asOf: string; featureNames: string[]; train: LabelledSet; heldOut: LabelledSet; counts: SiteCounts }
  | { status: 'no-labels'; task: SiteTask; asOf: string; reason: string; counts: SiteCounts };

const DEFAULT_SPLIT_KEY = 'sangam/site-split/v1';
const PAGE = 500;
const RAW: Standardisation = { mean: [], sd: [] };

/** Where the split puts a patient: a fraction in [0, 1) from the keyed hash of the id. */
export function splitPosition(patientId: string, key: string | Uint8Array = DEFAULT_SPLIT_KEY): number {
  return createHmac('sha256', key).update(patientId, 'utf8').digest().readUIntBE(0, 6) / 2 ** 48;
}

type Rows<E> = Omit<E, 'unit' | 'subgroups'>[];

/** The labelled rows of one patient for the task, `notEligible`, or a reason there is no label. */
function rowsOf(task: SiteTask, summary: ClinicalSummary, asOf: Date): { rows: Rows<PrognosisExample> | Rows<ResponseExample> } | 'notEligible' | 'noLabel' {
  if (task === 'prognosis-brca') {
    if (summary.primaryCancer?.cancerType !== 'breast') return 'notEligible';
    const outcome = survivalOutcome(summary, asOf);
    if ('missing' in outcome) return 'noLabel';
    return { rows: [{ features: assembleFeatures(TCGA_BRCA_SCHEMA, summary, RAW).raw, time: outcome.time, event: outcome.event }] };
  }
  const lines = responseOutcomes(summary).filter((l) => l.regimen !== undefined);
  if (lines.length === 0) return 'notEligible';
  const patient = assembleFeatures(responseSchema(), summary, RAW).raw;
  const rows = lines.flatMap((l) => (l.label === undefined ? [] : [{ features: [...patient, ...regimenEncoding(l.regimen!, l.line)], label: l.label }]));
  return rows.length === 0 ? 'noLabel' : { rows };
}

function schemaOf(task: SiteTask): { schema: FeatureSchema; names: string[] } {
  if (task === 'prognosis-brca') return { schema: TCGA_BRCA_SCHEMA, names: TCGA_BRCA_SCHEMA.features.map((f) => f.name) };
  return { schema: responseSchema(), names: [...RESPONSE_FEATURE_NAMES] };
}

/** Assembles the site's training and held-out sets for a task as of a round's start. */
export async function loadSiteTrainingSet(services: SiteDataServices, options: SiteTrainingOptions): Promise<SiteTrainingSet> {
  const { task, asOf } = options;
  if (Number.isNaN(asOf.getTime())) throw badInput('asOf is not a valid time');
  const fraction = options.heldOutFraction ?? 0.2;
  if (!(fraction >= 0 && fraction < 1)) throw badInput('heldOutFraction must be in [0, 1)');
  const excluded = await services.consent.excludedPatients(asOf);
  const counts: SiteCounts = { patients: 0, excludedByConsent: 0, notEligible: 0, withoutLabel: 0, trainPatients: 0, heldOutPatients: 0, trainExamples: 0, heldOutExamples: 0 };
  const kept: { position: number; heldOut: boolean; rows: Rows<PrognosisExample> | Rows<ResponseExample>; summary: ClinicalSummary }[] = [];
  for (let after: string | undefined, more = true; more; ) {
    const page = await services.clinical.listPatients(PAGE, after);
    const summaries = await services.clinical.summaries(page.ids);
    page.ids.forEach((id, i) => {
      counts.patients++;
      if (excluded.has(id)) {
        counts.excludedByConsent++;
        return;
      }
      const summary = summaries[i]?.summary;
      const found = summary ? rowsOf(task, summary, asOf) : 'notEligible';
      if (found === 'notEligible') counts.notEligible++;
      else if (found === 'noLabel') counts.withoutLabel++;
      else {
        const position = splitPosition(id, options.splitKey);
        kept.push({ position, heldOut: position < fraction, rows: found.rows, summary: summary! });
      }
    });
    after = page.ids.at(-1);
    more = page.hasNextPage && after !== undefined;
  }
  // ordered by the keyed hash, so the order of examples says nothing about patient ids
  kept.sort((a, b) => a.position - b.position);
  const { schema, names } = schemaOf(task);
  const featureSchema = `${schema.id}@${schema.version}`;
  const build = (heldOut: boolean): LabelledSet => {
    const patients = kept.filter((k) => k.heldOut === heldOut);
    const examples = patients.flatMap((p, unit) => p.rows.map((r) => ({ ...r, subgroups: subgroupTagsOf(p.summary), unit })));
    return task === 'prognosis-brca'
      ? { task: 'prognosis', featureSchema, examples: examples as PrognosisExample[] }
      : { task: 'response', featureSchema, examples: examples as ResponseExample[] };
  };
  const train = build(false);
  const heldOut = build(true);
  counts.trainPatients = kept.filter((k) => !k.heldOut).length;
  counts.heldOutPatients = kept.length - counts.trainPatients;
  counts.trainExamples = train.examples.length;
  counts.heldOutExamples = heldOut.examples.length;
  const stamp = asOf.toISOString();
  if (kept.length === 0) {
    const reason = counts.notEligible + counts.withoutLabel === 0 ? 'no patients at this site can be used' : `no eligible patient has a ${task === 'prognosis-brca' ? 'survival' : 'response'} label in the record`;
    return { status: 'no-labels', task, asOf: stamp, reason, counts };
  }
  return { status: 'ready', task, asOf: stamp, featureNames: names, train, heldOut, counts };
}
