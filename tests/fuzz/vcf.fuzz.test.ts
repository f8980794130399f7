import { describe, it } from 'node:test';
import { assertSurface } from './harness.ts';
import { vcfSurface } from './surfaces.ts';

// FUZZ_SCALE scales every surface's cases (scripts/fuzz.ts runs thousands with a report instead)
const RUNS = Math.round(300 * Number(process.env.FUZZ_SCALE ?? 1));

describe(`fuzz: ${vcfSurface.name}`, () => {
  it(`refuses bad input with a domain error or a 4xx, never a crash, a 5xx or a half-written store (${RUNS} cases)`, async () => {
    await assertSurface(vcfSurface, RUNS);
  });
});
