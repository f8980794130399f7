import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { printSdl } from '../../src/graphql/schema.ts';

describe('schema/schema.graphql', () => {
  it('matches the schema the code builds (run npm run schema:print after changing it)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    assert.equal(committed, printSdl());
  });

  it('exposes the foundation operations', () => {
    const sdl = printSdl();
    assert.match(sdl, /patient\(id: ID!\): Patient/);
    assert.match(sdl, /patients\(after: String, before: String, first: Int, last: Int\): QueryPatientsConnection!/);
    assert.match(sdl, /importFhirBundle\(bundle: JSON!\): FhirImportResult!/);
  });
});
