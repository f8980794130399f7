/**
 * The synthetic federated task: the four built-in site profiles of the cohort generator, one
 * example per line of therapy a patient received, labelled with whether they responded, exactly as
 * the shipped response model is built (`src/training/synthetic-response.ts`): features read from
 * each patient's mapped FHIR record through the response feature schema, then the regimen and line.
 * The response rules are the same at every site (`src/cohort/outcome-model.ts`); what differs is
 * who the sites treat (cancer mix, stage, biomarker prevalence, testing rates), so the sites'
 * label distributions are shifted, not their outcome model.
 *
 * Features are used as the schema writes them (age in decades from 60, stage 1–4, ECOG 0–3,
 * indicators, line 1–2): already on unit scales, so no site needs another site's statistics.
 * The cohort and the split are fixed (`SYNTHETIC_TASK`), like a real dataset: a simulation seed
 * changes only the training randomness, as with Fed-TCGA-BRCA and Fed-Heart-Disease.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadCodeTables } from '../../clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../clinical/mcode/map-clinical-summary.ts';
import { generateSitePatients } from '../../cohort/generate.ts';
import { builtInProfiles } from '../../cohort/profiles.ts';
import { assembleFeatures } from '../../features/feature-schema.ts';
import { regimenEncoding, RESPONSE_FEATURE_NAMES, RESPONSE_REGIMENS, responseSchema, type ResponseRegimen } from '../../features/response-schema.ts';
import { Rng } from '../../random/rng.ts';
import { binaryData, type SiteData } from '../local-training/site-data.ts';

/** The fixed cohort: generator seed, patients per unit of a profile's size factor, test share (by patient). */
export const SYNTHETIC_TASK = { cohortSeed: 7, patientsPerSite: 200, testFraction: 0.5, splitSeed: 11 } as const;

/** One generated site with its split. */
export interface SyntheticSite {
  name: string;
  train: SiteData;
  test: SiteData;
}

/** Builds the four sites' train and test rows (a few seconds: every record is generated and mapped). */
export function buildSyntheticSites(options: Partial<typeof SYNTHETIC_TASK> = {}): { columns: string[]; sites: SyntheticSite[] } {
  const { cohortSeed, patientsPerSite, testFraction, splitSeed } = { ...SYNTHETIC_TASK, ...options };
  const codes = loadCodeTables();
  const schema = responseSchema();
  const width = RESPONSE_FEATURE_NAMES.length;
  const sites = builtInProfiles().map((profile) => {
    const generated = generateSitePatients(profile, patientsPerSite, cohortSeed);
    // The split is by patient, so a patient's two lines of therapy never straddle train and test.
    const split = new Rng(splitSeed, `synthetic-split/${profile.id}`);
    const rows: { x: number[]; y: number; test: boolean }[] = [];
    for (const p of generated.patients) {
      const test = split.next() < testFraction;
      const resources = (p.bundle.entry ?? []).map((e) => e.resource as Resource);
      const patient = assembleFeatures(schema, mapClinicalSummary(p.biology.id, resources, codes), { mean: [], sd: [] }).raw;
      for (const line of p.course.lines) {
        if (!(RESPONSE_REGIMENS as readonly string[]).includes(line.regimen)) continue;
        rows.push({ x: [...patient, ...regimenEncoding(line.regimen as ResponseRegimen, line.line)], y: line.responded ? 1 : 0, test });
      }
    }
    const part = (test: boolean) => {
      const chosen = rows.filter((r) => r.test === test);
      return binaryData({ rows: chosen.length, features: width, x: Float64Array.from(chosen.flatMap((r) => r.x)) }, chosen.map((r) => r.y));
    };
    return { name: profile.id, train: part(false), test: part(true) };
  });
  return { columns: [...RESPONSE_FEATURE_NAMES], sites };
}
