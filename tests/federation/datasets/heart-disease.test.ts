import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { HEART_CENTRES, HEART_DIR, loadHeartDisease, type HeartCentre, type HeartRows } from '../../../src/federation/datasets/heart-disease.ts';
import { rowOf } from '../../../src/federation/datasets/site-split.ts';

interface Reference {
  train: number;
  test: number;
  testIndices: number[];
  trainPositives: number;
  testPositives: number;
  mean: number[];
  std: number[];
  firstTrainRow: number[];
  firstTestRow: number[];
}
// FLamby's own dataset.py run on these files (see "source" in the JSON)
const REFERENCE = (JSON.parse(readFileSync(new URL('flamby-heart-reference.json', import.meta.url), 'utf8')) as { centres: Record<string, Reference> }).centres;

const heart = loadHeartDisease();
const byName = (name: string): HeartCentre => heart.centres.find((c) => c.name === name)!;

function findLine(centre: HeartCentre, line: number): { part: HeartRows; r: number } {
  for (const part of [centre.train, centre.test]) {
    const r = part.sourceLine.indexOf(line);
    if (r >= 0) return { part, r };
  }
  throw new Error(`line ${line} not loaded`);
}

function columnStats(part: HeartRows, c: number): { mean: number; sd: number } {
  let mean = 0;
  for (let r = 0; r < part.rows; r++) mean += part.x[r * part.features + c]!;
  mean /= part.rows;
  let ss = 0;
  for (let r = 0; r < part.rows; r++) ss += (part.x[r * part.features + c]! - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / (part.rows - 1)) };
}

describe('Fed-Heart-Disease data copy', () => {
  it("is UCI's processed.*.data: with NaN written back as '?', each file has the MD5 FLamby's download.py checks", () => {
    // flamby/datasets/fed_heart_disease/dataset_creation_scripts/download.py, md5_hashes
    const md5 = { cleveland: '2d91a8ff69cfd9616aa47b59d6f843db', hungarian: '22e96bee155b5973568101c93b3705f6', switzerland: '9a87f7577310b3917730d06ba9349e20', va: '4249d03ca7711e84f4444768c9426170' };
    for (const name of HEART_CENTRES) {
      const text = readFileSync(new URL(`processed.${name}.data`, HEART_DIR), 'utf8').replaceAll('NaN', '?');
      assert.equal(createHash('md5').update(text).digest('hex'), md5[name], name);
    }
  });
});

describe('loadHeartDisease', () => {
  it("gives FLamby's published per-centre train/test sizes (199/104, 172/89, 30/16, 85/45; 486/254)", () => {
    assert.deepEqual(
      heart.centres.map((c) => [c.index, c.name, c.train.rows, c.test.rows]),
      [
        [0, 'cleveland', 199, 104],
        [1, 'hungarian', 172, 89],
        [2, 'switzerland', 30, 16],
        [3, 'va', 85, 45],
      ],
    );
    assert.equal(heart.centres.reduce((n, c) => n + c.train.rows, 0), 486);
    assert.equal(heart.centres.reduce((n, c) => n + c.test.rows, 0), 254);
  });

  it('puts exactly the rows FLamby puts in each test set (its dataset.py run on the same files)', () => {
    for (const c of heart.centres) {
      const all = [...c.train.sourceLine, ...c.test.sourceLine].sort((a, b) => a - b);
      const testPositions = Array.from(c.test.sourceLine, (line) => all.indexOf(line));
      assert.deepEqual(testPositions, REFERENCE[c.name]!.testIndices, c.name);
    }
  });

  it('stratifies by the label except in Switzerland, which has a single healthy patient', () => {
    assert.deepEqual(heart.centres.map((c) => c.stratified), [true, true, false, true]);
    assert.equal(byName('switzerland').counts.completeRows - byName('switzerland').counts.positives, 1);
  });

  it('has the label rates of the source: Cleveland 139 of 303 with disease (heart-disease.names), and FLamby per part', () => {
    assert.deepEqual(byName('cleveland').counts, { fileRows: 303, completeRows: 303, positives: 139 });
    const sum = (y: Float64Array) => y.reduce((a, b) => a + b, 0);
    for (const c of heart.centres) {
      assert.deepEqual([sum(c.train.y), sum(c.test.y)], [REFERENCE[c.name]!.trainPositives, REFERENCE[c.name]!.testPositives], c.name);
    }
  });

  it('drops rows with a missing value in the kept columns (Hungarian line 3 has no cholesterol)', () => {
    assert.throws(() => findLine(byName('hungarian'), 3));
    assert.deepEqual(
      heart.centres.map((c) => [c.counts.fileRows, c.counts.completeRows]),
      [
        [303, 303],
        [294, 261],
        [123, 46],
        [200, 130],
      ],
    );
  });

  it('has mean 0 and sample std 1 in every z-scored train column, but for Switzerland cholesterol (all 0 there)', () => {
    const chol = heart.columns.indexOf('chol');
    for (const c of heart.centres) {
      for (let k = 0; k < c.train.features; k++) {
        const { mean, sd } = columnStats(c.train, k);
        assert.ok(Math.abs(mean) < 1e-12, `${c.name} ${heart.columns[k]} mean ${mean}`);
        // the 1e-9 FLamby adds to the std leaves the z-scored std at s / (s + 1e-9): 1 - 1e-8 for the rarest dummy
        const expected = c.name === 'switzerland' && k === chol ? 0 : 1;
        assert.ok(Math.abs(sd - expected) < 1e-7, `${c.name} ${heart.columns[k]} sd ${sd}`);
      }
    }
  });

  it("matches FLamby's per-centre train statistics and normalised rows to float32 precision", () => {
    for (const c of heart.centres) {
      const ref = REFERENCE[c.name]!;
      for (let k = 0; k < 13; k++) {
        assert.ok(Math.abs(c.standardisation.mean[k]! - ref.mean[k]!) <= 1e-6 * Math.max(1, Math.abs(ref.mean[k]!)), `${c.name} mean ${k}`);
        assert.ok(Math.abs(c.standardisation.std[k]! - ref.std[k]!) <= 1e-6 * Math.max(1, ref.std[k]!), `${c.name} std ${k}`);
      }
      for (const [mine, theirs] of [[rowOf(c.train, 0), ref.firstTrainRow], [rowOf(c.test, 0), ref.firstTestRow]] as const) {
        mine.forEach((v, k) => assert.ok(Math.abs(v - theirs[k]!) < 1e-5, `${c.name} feature ${k}: ${v} vs ${theirs[k]}`));
      }
    }
  });

  it('maps hand-read raw rows to the right 13 features (cp and restecg one-hot, lowest level dropped)', () => {
    const raw = loadHeartDisease(HEART_DIR, { normalise: 'none' });
    assert.deepEqual(raw.columns, ['age', 'sex', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp_2', 'cp_3', 'cp_4', 'restecg_1', 'restecg_2']);
    const centre = (name: string) => raw.centres.find((c) => c.name === name)!;
    // cleveland line 1: 63.0,1.0,1.0,145.0,233.0,1.0,2.0,150.0,0.0,2.3,3.0,0.0,6.0,0
    const cl = findLine(centre('cleveland'), 1);
    assert.deepEqual(rowOf(cl.part, cl.r), [63, 1, 145, 233, 1, 150, 0, 2.3, 0, 0, 0, 0, 1]);
    assert.equal(cl.part.y[cl.r], 0);
    // va line 1: 63,1,4,140,260,0,1,112,1,3,2,NaN,NaN,2 (slope, ca, thal dropped, so the NaNs do not count)
    const va = findLine(centre('va'), 1);
    assert.deepEqual(rowOf(va.part, va.r), [63, 1, 140, 260, 0, 112, 1, 3, 0, 0, 1, 1, 0]);
    assert.equal(va.part.y[va.r], 1);
  });

  it('normalises test rows with the train statistics of their own centre', () => {
    const raw = loadHeartDisease(HEART_DIR, { normalise: 'none' });
    for (const c of heart.centres) {
      const r = rowOf(raw.centres[c.index]!.test, 0);
      const z = rowOf(c.test, 0);
      r.forEach((v, k) => assert.ok(Math.abs(z[k]! - (v - c.standardisation.mean[k]!) / (c.standardisation.std[k]! + 1e-9)) < 1e-9));
    }
  });

  it("normalises with the pooled train statistics when asked (FLamby's pooled=True)", () => {
    const pooled = loadHeartDisease(HEART_DIR, { normalise: 'pooled' });
    const train = pooled.centres.map((c) => c.train);
    for (let k = 0; k < 13; k++) {
      let total = 0;
      for (const part of train) for (let r = 0; r < part.rows; r++) total += part.x[r * 13 + k]!;
      assert.ok(Math.abs(total / 486) < 1e-12);
    }
  });

  describe("with UCI's original '?' for missing values", () => {
    const dir = mkdtempSync(join(tmpdir(), 'heart-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the same rows', () => {
      for (const name of HEART_CENTRES) {
        writeFileSync(join(dir, `processed.${name}.data`), readFileSync(new URL(`processed.${name}.data`, HEART_DIR), 'utf8').replaceAll('NaN', '?'));
      }
      const uci = loadHeartDisease(pathToFileURL(`${dir}/`));
      assert.deepEqual(uci.centres.map((c) => Array.from(c.test.x)), heart.centres.map((c) => Array.from(c.test.x)));
    });
  });
});
