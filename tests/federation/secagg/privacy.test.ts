import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantise, DEFAULT_QUANTISATION } from '../../../src/federation/secagg/quantise.ts';
import { randomUpdates, runRound } from './run-round.ts';
import { correlation } from '../../../src/training/card-helpers.ts';

const SITES = ['hospital-a', 'hospital-b', 'hospital-c', 'hospital-d', 'hospital-e', 'hospital-f'];
const LENGTH = 10_000;

/** Little-endian uint32 words of a base64 field, decoded here rather than with the code under test. */
function words(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32LE(i * 4));
}


/** Kolmogorov–Smirnov distance between the values scaled by 2^-32 and the uniform law on [0, 1). */
function ksUniform(values: readonly number[]): number {
  const u = values.map((v) => v / 2 ** 32).sort((x, y) => x - y);
  let d = 0;
  u.forEach((x, i) => {
    d = Math.max(d, (i + 1) / u.length - x, x - i / u.length);
  });
  return d;
}

// The asymptotic KS law gives P(D·√n > λ) ≈ 2·exp(−2λ²); λ = 2.69 makes a false alarm about 1e-6.
const KS_LIMIT = 2.69 / Math.sqrt(LENGTH);

describe('what the coordinator sees of one site', () => {
  const updates = randomUpdates(SITES, LENGTH, 3, 1);
  // Make the secret strongly structured, so that any leak through the mask would show.
  const secret = updates['hospital-c']!.map((x, i) => x + 4 * Math.sin(i / 50));
  updates['hospital-c'] = secret;
  const { masked } = runRound({ sites: SITES, threshold: 4, updates, drop: { beforeMasking: ['hospital-f'] } });
  const seen = words(masked['hospital-c']!);

  it('a masked update is uncorrelated with the update (|r| < 0.05 over 10,000 values)', () => {
    assert.equal(seen.length, LENGTH);
    const r = correlation(seen, secret);
    assert.ok(Math.abs(r) < 0.05, `r = ${r}`);
    // The same statistic on the unmasked, quantised update is near 1: the check can see a leak.
    assert.ok(correlation(Array.from(quantise(secret, DEFAULT_QUANTISATION)), secret) > 0.99);
  });

  it('a masked update looks uniform on [0, 2^32)', () => {
    const d = ksUniform(seen);
    assert.ok(d < KS_LIMIT, `KS distance ${d} ≥ ${KS_LIMIT}`);
    const mean = seen.reduce((s, x) => s + x, 0) / LENGTH;
    // Uniform on [0, 2^32): mean 2^31, sd of the mean 2^32/√(12·10,000) ≈ 1.24e7; allow 6 sd.
    assert.ok(Math.abs(mean - 2 ** 31) < 6 * 1.24e7, `mean ${mean}`);
    // Unmasked quantised values all sit in [0, 2^22], a KS distance near 1.
    assert.ok(ksUniform(Array.from(quantise(secret, DEFAULT_QUANTISATION))) > 0.99);
  });

  it('two sites\' masked updates are uncorrelated with each other', () => {
    const other = words(masked['hospital-d']!);
    assert.ok(Math.abs(correlation(seen, other)) < 0.05);
  });
});
