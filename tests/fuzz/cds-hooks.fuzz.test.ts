import { describe, it } from 'node:test';
import { assertSurface } from './harness.ts';
import { cdsHooksSurface } from './surfaces.ts';

// FUZZ_SCALE scales every surface's cases (scripts/fuzz.ts runs thousands with a report instead)
const RUNS = Math.round(200 * Number(process.env.FUZZ_SCALE ?? 1));

describe(`fuzz: ${cdsHooksSurface.name}`, () => {
  it(`answers every hook call, feedback and token with cards or a 4xx OperationOutcome (412 included), never a crash, a 5xx, a write on refusal or a leaked access token (${RUNS} cases)`, async () => {
    await assertSurface(cdsHooksSurface, RUNS);
  });
});
