import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { DecodedTile } from '../../src/pathology/decode-tile.ts';
import {
  estimateStains,
  MACENKO_REFERENCE,
  MacenkoNormalizer,
  normalizeMacenko,
  StainError,
  type MacenkoResult,
  type StainMatrix,
} from '../../src/pathology/macenko.ts';
import { loadTile, solidTile } from './tiles.ts';

/**
 * Golden test against schaugf/HEnorm_python's own example: example1.png and the norm1, norm1_H and
 * norm1_E images its normalizeStaining wrote (tests/fixtures/tiles/henorm/PROVENANCE.md).
 */

let example: DecodedTile;
let result: MacenkoResult;

before(async () => {
  example = await loadTile('henorm/example1.png');
  result = normalizeMacenko(example.rgb, { stainImages: true });
});

function assertMatrixClose(actual: StainMatrix, expected: readonly (readonly number[])[], tolerance: number): void {
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 2; c++) {
      const diff = Math.abs(actual[r]![c]! - expected[r]![c]!);
      assert.ok(diff <= tolerance, `HE[${r}][${c}] = ${actual[r]![c]} vs ${expected[r]![c]}`);
    }
  }
}

test('example1: 458,534 pixels pass the OD ≥ 0.15 cut', () => {
  assert.equal(result.stainPixels, 458_534);
});

test('example1: stain matrix and maxC match the reference run', () => {
  // the shared README's values (4 decimals)
  assertMatrixClose(result.he, [[0.5415, 0.2086], [0.752, 0.8044], [0.3759, 0.5563]], 1e-3);
  assert.ok(Math.abs(result.maxC[0] - 1.1923) < 1e-3 && Math.abs(result.maxC[1] - 0.9342) < 1e-3, `${result.maxC}`);
  // numpy 2.4.6 running the reference steps on the same pixels, printed to 8 decimals
  assertMatrixClose(result.he, [[0.54145777, 0.20861948], [0.7520277, 0.80435468], [0.37586941, 0.55631957]], 1e-8);
  assert.ok(Math.abs(result.maxC[0] - 1.19233326) < 1e-8 && Math.abs(result.maxC[1] - 0.93415088) < 1e-8, `${result.maxC}`);
});

for (const [file, pick] of [
  ['norm1.png', (r: MacenkoResult) => r.rgb],
  ['norm1_H.png', (r: MacenkoResult) => r.h!],
  ['norm1_E.png', (r: MacenkoResult) => r.e!],
] as const) {
  // Measured: 3,145,728 of 3,145,728 values identical for all three images.
  test(`example1 → ${file}: reproduced value for value (measured 100 % exact)`, async () => {
    const golden = (await loadTile(`henorm/${file}`)).rgb;
    const ours = pick(result);
    assert.equal(ours.length, golden.length);
    let exact = 0;
    let withinOne = 0;
    for (let i = 0; i < golden.length; i++) {
      const d = Math.abs(golden[i]! - ours[i]!);
      if (d === 0) exact++;
      if (d <= 1) withinOne++;
    }
    assert.ok(withinOne / golden.length >= 0.99, `${withinOne / golden.length} within one level`);
    assert.ok(exact / golden.length >= 0.9999, `${exact / golden.length} exact`);
  });
}

/** Paints a tile with Beer–Lambert from two stain vectors: pure H, pure E and mixtures, as I = Io·e^(−OD) − 1. */
function paint(h: readonly number[], e: readonly number[], low: number, span: number): Uint8Array {
  const n = 128 * 128;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const amount = low + (span * ((i * 7919) % 1000)) / 1000;
    const mix = (i % 13) / 12;
    const kind = i % 10;
    const [ch, ce] = kind < 3 ? [amount, 0] : kind < 6 ? [0, amount] : [amount * mix, amount * (1 - mix)];
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(240 * Math.exp(-(h[c]! * ch + e[c]! * ce)) - 1);
  }
  return rgb;
}

const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
const column = (m: StainMatrix, k: 0 | 1) => m.map((row) => row[k]);

test('recovers the stain vectors a synthetic tile was painted with', () => {
  const h = column(MACENKO_REFERENCE.he, 0);
  const e = column(MACENKO_REFERENCE.he, 1);
  const { he } = estimateStains(paint(h, e, 0.8, 1.2));
  assertMatrixClose(he, h.map((hv, r) => [hv, e[r]!]), 0.005);
});

test('fit(target) makes normalised tiles take on the target\'s stains', () => {
  const source = paint(column(MACENKO_REFERENCE.he, 0), column(MACENKO_REFERENCE.he, 1), 0.8, 1.2);
  const targetH = unit([0.65, 0.7, 0.29]);
  const targetE = unit([0.25, 0.85, 0.45]);
  const normaliser = new MacenkoNormalizer();
  const reference = normaliser.fit(paint(targetH, targetE, 0.6, 1.0));
  assertMatrixClose(reference.he, targetH.map((hv, r) => [hv, targetE[r]!]), 0.005);
  assert.deepEqual(normaliser.target, reference);
  const after = estimateStains(normaliser.normalize(source).rgb);
  assertMatrixClose(after.he, reference.he.map((row) => [...row]), 0.005);
  assert.ok(Math.abs(after.maxC[0] - reference.maxC[0]) < 0.05 && Math.abs(after.maxC[1] - reference.maxC[1]) < 0.05);
});

test('a two-stain tile normalised towards its own fit comes back within one level', () => {
  const tile = paint(column(MACENKO_REFERENCE.he, 0), column(MACENKO_REFERENCE.he, 1), 0.8, 1.2);
  const normaliser = new MacenkoNormalizer();
  normaliser.fit(tile);
  const out = normaliser.normalize(tile).rgb;
  let worst = 0;
  for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - tile[i]!));
  assert.ok(worst <= 1, `worst ${worst}`);
});

test('a blank tile and a one-colour tile are refused with a typed error', () => {
  assert.throws(
    () => normalizeMacenko(solidTile(64, 64, [236, 236, 236])),
    (err: unknown) => err instanceof StainError && err.code === 'TOO_FEW_STAIN_PIXELS',
  );
  // Stained, but every pixel the same colour: there is no second stain direction to find.
  assert.throws(
    () => estimateStains(solidTile(64, 64, [120, 60, 150])),
    (err: unknown) => err instanceof StainError && err.code === 'DEGENERATE_STAINS',
  );
  // the floor is an option
  const few = solidTile(16, 16, [236, 236, 236]);
  few.set(paint(column(MACENKO_REFERENCE.he, 0), column(MACENKO_REFERENCE.he, 1), 0.8, 1.2).subarray(0, 50 * 3));
  assert.throws(() => estimateStains(few), (err: unknown) => err instanceof StainError && err.code === 'TOO_FEW_STAIN_PIXELS');
  assert.equal(estimateStains(few, { minStainPixels: 40 }).stainPixels, 50);
});
