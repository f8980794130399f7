import { readdirSync } from 'node:fs';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import { readJsonFile } from './import-files.ts';

/** Example Bundles shipped in `fhir/examples/` (real public example records; see the README there). */
export const EXAMPLES_DIR = new URL('../../fhir/examples/', import.meta.url);

/** Imports the example Bundles when the store has no patient yet; returns how many patients were added. */
export async function seedExamplesIfEmpty(clinical: ClinicalService): Promise<number> {
  const page = await clinical.listPatients(1);
  if (page.totalCount > 0) return 0;
  const patients = new Set<string>();
  for (const name of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const result = await clinical.importBundle(readJsonFile(new URL(name, EXAMPLES_DIR).pathname, 64 * 1024 * 1024), 'demo');
    for (const id of result.patientIds) patients.add(id);
  }
  return patients.size;
}
