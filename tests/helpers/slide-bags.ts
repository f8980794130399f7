import { generateSitePatients, slideTiles } from '../../src/cohort/generate.ts';
import { builtInProfiles, type SiteProfile } from '../../src/cohort/profiles.ts';
import { createTilePool } from '../../src/pathology/tile-pool.ts';

/** A colorectal-only version of the first built-in site with MSI-H enriched, so small samples have positives. */
export function msiEnrichedColorectalSite(msiH = 0.35): SiteProfile {
  const base = builtInProfiles()[0]!;
  return {
    ...base,
    id: 'crc-msi',
    cancerMix: { ...base.cancerMix, weights: { lung: 0, colorectal: 1, breast: 0 } },
    prevalence: { ...base.prevalence, colorectal: { ...base.prevalence.colorectal, MSI_H: { value: msiH, source: 'test', checked: false } } },
  };
}

/** Generated slides run through the site tile pipeline: per patient, the built-in features of its kept tiles and its MSI status. */
export async function msiSlideBags(patients: number, tilesPerSlide: number, seed: number): Promise<{ tiles: number[][]; msiH: boolean }[]> {
  const profile = msiEnrichedColorectalSite();
  const site = generateSitePatients(profile, patients, seed);
  const pool = createTilePool();
  try {
    return await Promise.all(
      site.patients.map(async (p) => {
        const slide = slideTiles(profile, seed, p.biology, tilesPerSlide);
        const records = await Promise.all(slide.tiles.map(async (t) => pool.process(t.name, await t.render().toBuffer())));
        return { tiles: records.filter((r) => r.embedding).map((r) => Array.from(r.embedding as Float32Array)), msiH: p.biology.msiH };
      }),
    );
  } finally {
    await pool.close();
  }
}
