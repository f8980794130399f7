import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { generateCohort } from '../../src/cohort/generate.ts';
import { builtInProfiles, type SiteProfile } from '../../src/cohort/profiles.ts';
import { auc, logisticFit, logisticScore, standardiser } from '../helpers/stats.ts';

/**
 * The planted tile signal must be learnable but not trivial: a simple classifier on slide-mean
 * tile statistics, evaluated on held-out patients (5-fold cross-validation), should land between
 * 0.7 and 0.95 AUC for MSI-H.
 */

let dir: string;
let truth: { sites: Array<{ profile: SiteProfile; patients: Array<{ id: string; mutations: { MSI_H: boolean } }> }> };

/** A colorectal-only version of the first built-in site, with MSI-H enriched so the test has enough positives. */
function colorectalSite(): SiteProfile {
  const base = builtInProfiles()[0]!;
  return {
    ...base,
    id: 'crc-test',
    cancerMix: { ...base.cancerMix, weights: { lung: 0, colorectal: 1, breast: 0 } },
    prevalence: { ...base.prevalence, colorectal: { ...base.prevalence.colorectal, MSI_H: { value: 0.35, source: 'test', checked: false } } },
  };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sangam-tiles-'));
  const profile = colorectalSite();
  await generateCohort({ sites: 1, patientsPerSite: Math.round(300 / profile.sizeFactor), tilesPerSlide: 6, seed: 99, out: dir, profiles: [profile] });
  truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
});

after(() => rm(dir, { recursive: true, force: true }));

/** Per-tile statistics any pathologist's tool could compute: colour means and dark, white and pale-blue fractions. */
async function tileStats(file: string): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  let r = 0;
  let g = 0;
  let b = 0;
  let veryDark = 0;
  let dark = 0;
  let white = 0;
  let paleBlue = 0;
  const n = info.width * info.height;
  for (let i = 0; i < data.length; i += info.channels) {
    const R = data[i]!;
    const G = data[i + 1]!;
    const B = data[i + 2]!;
    const lum = 0.299 * R + 0.587 * G + 0.114 * B;
    r += R;
    g += G;
    b += B;
    if (lum < 70) veryDark++;
    if (lum < 120) dark++;
    if (lum > 215) white++;
    if (lum > 150 && lum <= 215 && B > R) paleBlue++;
  }
  return [r / n, g / n, b / n, veryDark / n, dark / n, white / n, paleBlue / n];
}

async function slideFeatures(patientId: string): Promise<number[]> {
  const slideDir = join(dir, 'crc-test', 'tiles', patientId, `${patientId}-HE1`);
  const files = (await readdir(slideDir)).filter((f) => f.endsWith('.png'));
  const stats = await Promise.all(files.map((f) => tileStats(join(slideDir, f))));
  return stats[0]!.map((_, k) => stats.reduce((a, s) => a + s[k]!, 0) / stats.length);
}

test('MSI-H is predictable from slide-mean tile statistics, but not perfectly', async (t) => {
  const patients = truth.sites[0]!.patients;
  const x = await Promise.all(patients.map((p) => slideFeatures(p.id)));
  const y = patients.map((p) => (p.mutations.MSI_H ? 1 : 0));
  assert.ok(y.filter((v) => v === 1).length >= 60, 'enough MSI-H patients');
  const folds = 5;
  const scores = new Array<number>(patients.length).fill(0);
  for (let f = 0; f < folds; f++) {
    const train = x.map((_, i) => i).filter((i) => i % folds !== f);
    const test = x.map((_, i) => i).filter((i) => i % folds === f);
    const scale = standardiser(train.map((i) => x[i]!));
    const w = logisticFit(train.map((i) => scale(x[i]!)), train.map((i) => y[i]!), 1);
    for (const i of test) scores[i] = logisticScore(w, scale(x[i]!));
  }
  const value = auc(scores, y);
  t.diagnostic(`cross-validated AUC ${value.toFixed(3)} over ${patients.length} patients`);
  assert.ok(value > 0.7 && value < 0.95, `AUC ${value.toFixed(3)}`);
});
