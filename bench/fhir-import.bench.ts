// FHIR import throughput against a baseline measured in the same run: JSON.parse plus base-R4
// validation of every entry (work any validating importer must do). Prints resources/s and the ratio.
import { readFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { importBundle } from '../src/clinical/ingest/import-bundle.ts';
import { checkResource, loadFhirDefinitions } from '../src/clinical/ingest/validate-resource.ts';
import { loadCodeTables } from '../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../src/clinical/mcode/map-clinical-summary.ts';
import { openDatabase } from '../src/storage/open-database.ts';

const text = readFileSync(new URL('./data/synthea-cancer-patient-86-transaction-bundle.json', import.meta.url), 'utf8');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
loadFhirDefinitions();

function baselineOnce(): number {
  const bundle = JSON.parse(text) as { entry: { resource: Resource }[] };
  bundle.entry.forEach((e, i) => checkResource(e.resource, 'r', i));
  return bundle.entry.length;
}

const codes = loadCodeTables();
const db = await openDatabase({});
let n = 0;
// every round imports a fresh copy under new ids so each one really writes
async function importOnce(round: number): Promise<number> {
  const bundle = JSON.parse(text.replaceAll('cancer-86', `cancer-86-r${round}`)) as { entry: { fullUrl?: string; resource: Resource }[] };
  for (const e of bundle.entry) {
    if (e.resource.id && e.resource.resourceType !== 'Patient') e.resource.id = `${e.resource.id.slice(0, 50)}-r${round}`;
  }
  const r = await importBundle(db, bundle, { source: 'bench', maxEntries: 10_000, summarise: (id, rs) => mapClinicalSummary(id, rs, codes) });
  return r.entries.length;
}

baselineOnce();
await importOnce(-1);
let t = performance.now();
for (let i = 0; i < ROUNDS; i++) n += baselineOnce();
const baseline = n / ((performance.now() - t) / 1000);
n = 0;
t = performance.now();
for (let i = 0; i < ROUNDS; i++) n += await importOnce(i);
const full = n / ((performance.now() - t) / 1000);
await db.close();
console.log(`fhir import (PGlite, Synthea bundle, ${ROUNDS} rounds): ${full.toFixed(0)} resources/s`);
console.log(`baseline parse+validate: ${baseline.toFixed(0)} resources/s`);
console.log(`ratio import/baseline: ${(full / baseline).toFixed(3)}`);
