// Synthetic cohort generation (the 4 sites x 200 patients x 16 tiles by default) against a
// baseline of the same run: sharp encoding and writing the same number of 256x256 PNGs from one
// prepared RGB buffer, i.e. the part of tile output no generator can avoid.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateCohort } from '../src/cohort/generate.ts';

const SITES = Number(process.env.BENCH_SITES ?? 4);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 200);
const TILES = Number(process.env.BENCH_TILES ?? 16);

const out = await mkdtemp(join(tmpdir(), 'sangam-bench-cohort-'));
try {
  let t = performance.now();
  const manifest = await generateCohort({ sites: SITES, patientsPerSite: PATIENTS, tilesPerSlide: TILES, seed: 1, out: join(out, 'cohort') });
  const seconds = (performance.now() - t) / 1000;
  const tiles = manifest.sites.reduce((a, s) => a + s.tiles, 0);
  const patients = manifest.sites.reduce((a, s) => a + s.patients, 0);

  // baseline: encode + write the same number of tiles, 4 in flight like the generator
  const rgb = Buffer.alloc(256 * 256 * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = 150 + ((i * 2654435761) >>> 27); // mildly noisy pink-grey
  t = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < tiles) {
      const k = next++;
      await sharp(rgb, { raw: { width: 256, height: 256, channels: 3 } }).png({ compressionLevel: 1, adaptiveFiltering: false }).toFile(join(out, `b${k}.png`));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const baseline = (performance.now() - t) / 1000;
  console.log(`cohort generate (${manifest.sites.length} sites, ${patients} patients, ${tiles} tiles): ${seconds.toFixed(1)} s, ${(tiles / seconds).toFixed(0)} tiles/s`);
  console.log(`baseline sharp encode+write of ${tiles} PNGs: ${baseline.toFixed(1)} s, ${(tiles / baseline).toFixed(0)} tiles/s`);
  console.log(`ratio generate/baseline throughput: ${(baseline / seconds).toFixed(3)}`);
} finally {
  await rm(out, { recursive: true, force: true });
}
