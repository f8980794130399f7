import { readdirSync } from 'node:fs';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import { generateSitePatients } from '../cohort/generate.ts';
import { builtInProfiles } from '../cohort/profiles.ts';
import { readJsonFile } from './import-files.ts';

/** Example Bundles shipped in `fhir/examples/` (real public example records; see the README there). */
export const EXAMPLES_DIR = new URL('../../fhir/examples/', import.meta.url);

/** The demo cohort: the first built-in site's share of a small synthetic cohort (seed fixed, so every demo is the same). */
export const DEMO_COHORT = { patientsPerSite: 40, seed: 2026 };

/**
 * When the store has no patient yet, imports the example Bundles and one site's share of the demo
 * cohort. Returns how many patients were added.
 */
export async function seedDemoIfEmpty(clinical: ClinicalService): Promise<{ examples: number; cohort: number; site?: string }> {
  const page = await clinical.listPatients(1);
  if (page.totalCount > 0) return { examples: 0, cohort: 0 };
  const examples = new Set<string>();
  for (const name of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const result = await clinical.importBundle(readJsonFile(new URL(name, EXAMPLES_DIR).pathname, 64 * 1024 * 1024), 'demo');
    for (const id of result.patientIds) examples.add(id);
  }
  const profile = builtInProfiles()[0];
  if (!profile) return { examples: examples.size, cohort: 0 };
  const site = generateSitePatients(profile, DEMO_COHORT.patientsPerSite, DEMO_COHORT.seed);
  for (const patient of site.patients) await clinical.importBundle(patient.bundle, 'demo-cohort');
  return { examples: examples.size, cohort: site.patients.length, site: profile.id };
}
