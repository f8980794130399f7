/**
 * One pass over a site's patients for the equity report: each patient's subgroup tags, whether the
 * tumour was sequenced (a stored variant call set) or is trial-eligible, whether consent excludes
 * them from model work, and their labelled examples for the two locally labelled tasks.
 *
 * The labels are site-data's (outcome-labels.ts), assembled exactly as its training-set.ts does:
 * prognosis-brca takes breast-cancer patients with a survival label and the TCGA-BRCA features;
 * response takes every numbered line matched to a formulary regimen and labelled by its assessed
 * status, with the patient's features followed by the regimen and line. It is repeated here rather
 * than read from `loadSiteTrainingSet` because that set, rightly, carries no patient identity and
 * no cancer type, and the report needs both: the cancer type as a subgroup, the identity to join
 * sequencing and trial eligibility. A test keeps the two in step. Patient ids stay in this module.
 */
import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import type { ConsentService } from '../federation/site-data/consent-service.ts';
import { subgroupTagsOf } from '../federation/site-data/labelled-set.ts';
import { responseOutcomes, survivalOutcome } from '../federation/site-data/outcome-labels.ts';
import { splitPosition } from '../federation/site-data/training-set.ts';
import { assembleFeatures, type Standardisation } from '../features/feature-schema.ts';
import { regimenEncoding, responseSchema } from '../features/response-schema.ts';
import { TCGA_BRCA_SCHEMA } from '../features/tcga-brca-schema.ts';
import type { GenomicsService } from '../genomics/genomics-service.ts';

/** Attributes the report breaks patients down by: site-data's subgroups plus the cancer type. */
export const EQUITY_ATTRIBUTES = ['population', 'sex', 'ageBand', 'cancerType'] as const;
export type EquityAttribute = (typeof EQUITY_ATTRIBUTES)[number];
export type EquityTags = Readonly<Record<EquityAttribute, string>>;

/** A breast-cancer patient's raw TCGA-BRCA features and overall survival (site-data's label). */
export interface PrognosisLabel {
  features: number[];
  time: number;
  event: 0 | 1;
}

/** One labelled line: raw patient features, regimen and line, and whether it responded. */
export interface ResponseLabel {
  features: number[];
  label: 0 | 1;
}

/** What the report knows of one patient; `ordinal` replaces the id outside this module. */
export interface SitePatient {
  ordinal: number;
  tags: EquityTags;
  sequenced: boolean;
  trialEligible: boolean;
  /** left out of model metrics: consent to research use withdrawn or denied before `asOf` */
  excludedByConsent: boolean;
  /** on the held-out side of the site's keyed split */
  heldOut: boolean;
  prognosis?: PrognosisLabel;
  response: ResponseLabel[];
}

/** The services the pass over patients reads. */
export interface SitePatientServices {
  clinical: Pick<ClinicalService, 'listPatients' | 'summaries'>;
  genomics: Pick<GenomicsService, 'callSets'>;
  consent?: Pick<ConsentService, 'excludedPatients'>;
}

/** The report's time, the trial-eligible ids and the site's split. */
export interface SitePatientOptions {
  asOf: Date;
  trialEligible?: ReadonlySet<string>;
  splitKey?: string | Uint8Array;
  heldOutFraction: number;
}

const AGE_ORDER: readonly string[] = ['<50', '50-64', '65+'];
const UNRECORDED: ReadonlySet<string> = new Set(['unknown', 'not recorded']);

/** Groups in reading order: age bands youngest first, other groups by name, unrecorded values last. */
export function compareGroups(attribute: EquityAttribute): (a: string, b: string) => number {
  const rank = (g: string) => (UNRECORDED.has(g) ? 2 : attribute === 'ageBand' && AGE_ORDER.includes(g) ? 0 : 1);
  return (a, b) => rank(a) - rank(b) || (attribute === 'ageBand' ? AGE_ORDER.indexOf(a) - AGE_ORDER.indexOf(b) : 0) || (a < b ? -1 : a > b ? 1 : 0);
}

const PAGE = 500;
const RAW: Standardisation = { mean: [], sd: [] };

/** The patient's tags: site-data's population, sex and age band, and the primary cancer's type. */
export function equityTagsOf(summary: ClinicalSummary): EquityTags {
  return { ...subgroupTagsOf(summary), cancerType: summary.primaryCancer?.cancerType ?? 'unknown' };
}

function labelsOf(summary: ClinicalSummary, asOf: Date): Pick<SitePatient, 'prognosis' | 'response'> {
  const out: Pick<SitePatient, 'prognosis' | 'response'> = { response: [] };
  if (summary.primaryCancer?.cancerType === 'breast') {
    const survival = survivalOutcome(summary, asOf);
    if (!('missing' in survival)) out.prognosis = { features: assembleFeatures(TCGA_BRCA_SCHEMA, summary, RAW).raw, ...survival };
  }
  const lines = responseOutcomes(summary).filter((l) => l.regimen !== undefined && l.label !== undefined);
  if (lines.length > 0) {
    const patient = assembleFeatures(responseSchema(), summary, RAW).raw;
    out.response = lines.map((l) => ({ features: [...patient, ...regimenEncoding(l.regimen!, l.line)], label: l.label! }));
  }
  return out;
}

/** Every stored patient of the site, read a page at a time. */
export async function loadSitePatients(services: SitePatientServices, options: SitePatientOptions): Promise<SitePatient[]> {
  const excluded = (await services.consent?.excludedPatients(options.asOf)) ?? new Set<string>();
  const out: SitePatient[] = [];
  for (let after: string | undefined, more = true; more; ) {
    const page = await services.clinical.listPatients(PAGE, after);
    const summaries = await services.clinical.summaries(page.ids);
    const callSets = await Promise.all(page.ids.map((id) => services.genomics.callSets(id)));
    page.ids.forEach((id, i) => {
      const summary = summaries[i]?.summary;
      if (!summary) return; // a Patient always has a summary; one being written right now is skipped
      out.push({
        ordinal: out.length,
        tags: equityTagsOf(summary),
        sequenced: (callSets[i]?.length ?? 0) > 0,
        trialEligible: options.trialEligible?.has(id) ?? false,
        excludedByConsent: excluded.has(id),
        heldOut: splitPosition(id, options.splitKey) < options.heldOutFraction,
        ...labelsOf(summary, options.asOf),
      });
    });
    after = page.ids.at(-1);
    more = page.hasNextPage && after !== undefined;
  }
  return out;
}
