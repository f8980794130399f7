/**
 * Long fuzzing run over every input surface (tests/fuzz/surfaces.ts): at least 10,000 generated
 * cases each, counting crashes (thrown non-domain errors, process errors, hangs), 5xx answers and
 * violations (a refusal that changed the store or says nowhere what was wrong), with the first few
 * failing inputs. Exits 1 when any surface had a failure.
 *
 *   npm run fuzz                          # 10,000 cases per surface
 *   npm run fuzz -- --runs 2000 --only vcf,graphql --seed 3
 *   npm run fuzz -- --only cds-hooks               # CDS Hooks calls, feedback and tokens
 *
 * `--only` keeps the surfaces whose name contains one of the words: fhir-bundle, fhir-http, vcf,
 * tiles, graphql, cds-hooks. The CDS Hooks surface reaches no network: its FHIR servers and JWKS
 * are served from memory (tests/fuzz/cds-fake-ehr.ts).
 */
import { parseArgs } from 'node:util';
import { runFuzz, type FuzzReport } from '../tests/fuzz/harness.ts';
import { ALL_SURFACES } from '../tests/fuzz/surfaces.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string', default: '42' }, only: { type: 'string' } } });
const runs = Number(values.runs);
const seed = Number(values.seed);
const only = values.only?.split(',').filter(Boolean);
const surfaces = ALL_SURFACES.filter((s) => !only || only.some((o) => s.name.includes(o)));

const reports: FuzzReport[] = [];
for (const surface of surfaces) {
  process.stderr.write(`${surface.name}: `);
  // a running tally, so an interrupted run still tells what it found
  const report = await runFuzz(surface, {
    numRuns: runs,
    seed,
    onProgress: (r) => process.stderr.write(`\n  ${r.cases} cases, ${r.crashes} crashes, ${r.serverErrors} 5xx, ${r.violations} violations, ${(r.ms / 1000).toFixed(0)} s`),
  });
  process.stderr.write(`done in ${(report.ms / 1000).toFixed(1)} s\n`);
  reports.push(report);
}

console.log('\nsurface                                cases  accepted  refused  crashes  5xx  violations  seconds');
for (const r of reports) {
  console.log(
    `${r.surface.padEnd(38)} ${String(r.cases).padStart(6)} ${String(r.accepted).padStart(9)} ${String(r.refused).padStart(8)} ${String(r.crashes).padStart(8)} ${String(r.serverErrors).padStart(4)} ${String(r.violations).padStart(11)} ${(r.ms / 1000).toFixed(1).padStart(8)}`,
  );
}
for (const r of reports) {
  for (const e of r.examples) {
    console.log(`\n[${r.surface}] ${e.verdict.kind}: ${'detail' in e.verdict ? e.verdict.detail : ''}\n  input: ${e.input}`);
  }
}
const failures = reports.reduce((n, r) => n + r.crashes + r.serverErrors + r.violations, 0);
console.log(`\n${failures === 0 ? 'no crashes, no 5xx, no violations' : `${failures} failing cases`} (seed ${seed})`);
process.exit(failures === 0 ? 0 : 1);
