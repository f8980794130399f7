import { readdirSync } from 'node:fs';
import type { Services } from '../app.ts';
import { generateSitePatients, patientVcf, slideTiles } from '../cohort/generate.ts';
import { builtInProfiles } from '../cohort/profiles.ts';
import { readJsonFile } from './import-files.ts';

/** Example Bundles shipped in `fhir/examples/` (real public example records; see the README there). */
export const EXAMPLES_DIR = new URL('../../fhir/examples/', import.meta.url);

/** The demo cohort: the first built-in site's share of a small synthetic cohort (seed fixed, so every demo is the same). */
export const DEMO_COHORT = { patientsPerSite: 40, seed: 2026, tilesPerSlide: 8 };

export interface SeedResult {
  examples: number;
  cohort: number;
  site?: string;
  vcfs: number;
  tiles: number;
}

/**
 * When the store has no patient yet, imports the example Bundles and one site's share of the demo
 * cohort: each patient's Bundle, the VCF of those who were sequenced, and a few tiles of their
 * H&E slide, through the same services an EHR, a lab and a pathology department use.
 */
export async function seedDemoIfEmpty(services: Pick<Services, 'clinical' | 'genomics' | 'pathology'>): Promise<SeedResult> {
  const { clinical, genomics, pathology } = services;
  const page = await clinical.listPatients(1);
  if (page.totalCount > 0) return { examples: 0, cohort: 0, vcfs: 0, tiles: 0 };
  const examples = new Set<string>();
  for (const name of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const result = await clinical.importBundle(readJsonFile(new URL(name, EXAMPLES_DIR).pathname, 64 * 1024 * 1024), 'demo');
    for (const id of result.patientIds) examples.add(id);
  }
  const profile = builtInProfiles()[0];
  if (!profile) return { examples: examples.size, cohort: 0, vcfs: 0, tiles: 0 };
  const site = generateSitePatients(profile, DEMO_COHORT.patientsPerSite, DEMO_COHORT.seed);
  let vcfs = 0;
  let tiles = 0;
  for (const patient of site.patients) {
    const b = patient.biology;
    await clinical.importBundle(patient.bundle, 'demo-cohort');
    const vcf = patientVcf(profile, patient);
    if (vcf) {
      await genomics.importVariants(
        (async function* () {
          yield vcf;
        })(),
        { patientId: b.id, specimenId: `${b.id}-T`, fileName: `${b.id}.vcf.gz`, source: 'demo-cohort' },
      );
      vcfs++;
    }
    const slide = slideTiles(profile, DEMO_COHORT.seed, b, DEMO_COHORT.tilesPerSlide);
    const imported = await pathology.importTiles(
      (async function* () {
        for (const t of slide.tiles) yield { name: t.name, bytes: await t.render().toBuffer() };
      })(),
      { patientId: b.id, slideId: slide.id, source: 'demo-cohort' },
    );
    tiles += imported.tiles;
  }
  return { examples: examples.size, cohort: site.patients.length, site: profile.id, vcfs, tiles };
}
