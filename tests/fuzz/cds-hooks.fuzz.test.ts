import { describe, it } from 'node:test';
import { assertSurface } from './harness.ts';
import { cdsHooksSurface } from './surfaces.ts';

// FUZZ_SCALE scales every surface's cases (scripts/fuzz.ts runs thousands with a report instead)
const RUNS = Math.round(200 * Number(process.env.FUZZ_SCALE ?? 1));

// Known bugs in src/cds-hooks, found by this surface; each answers a masked 500:
// - a service id that is not valid percent-encoding (`POST /cds-services/%`, `/%E0%A4%A`, `/%ZZ`,
//   any method, before authentication): express's URIError (status 400) is not mapped by the
//   router's error handler;
// - a searchset Bundle with a null entry (`prefetch.conditions.entry: [null]`): TypeError in
//   matchesOf (src/cds-hooks/fhir-reader.ts);
// - feedback with a NUL character in a string (`overrideReason.userComment: "\u0000"`): the
//   PostgreSQL insert fails;
// - a FHIR server whose response body fails mid-read: `res.text()` sits outside getJson's try, so
//   the TypeError escapes instead of a 412.
const KNOWN_BUGS = 'known bug: malformed percent-encoding in the service id, a null Bundle entry, a NUL in feedback text and a FHIR response body that fails mid-read answer 500 (src/cds-hooks); remove this todo once fixed';

describe(`fuzz: ${cdsHooksSurface.name}`, () => {
  it(`answers every hook call, feedback and token with cards or a 4xx OperationOutcome (412 included), never a crash, a 5xx, a write on refusal or a leaked access token (${RUNS} cases)`, { todo: KNOWN_BUGS }, async () => {
    await assertSurface(cdsHooksSurface, RUNS);
  });
});
