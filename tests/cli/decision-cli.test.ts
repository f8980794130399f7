import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { sangam, tempDirs } from '../helpers/cli.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const PATIENT = 'mCODETrialMatchingPatientExample01';

describe('decision support from the command line', () => {
  const tempDir = tempDirs('sangam-decision-');
  let dataDir: string;
  before(async () => {
    dataDir = tempDir();
    const imported = await sangam(['import', 'fhir', join(FIXTURES, 'fhir/TrialMatching_Patient01.json'), '--data-dir', dataDir]);
    assert.equal(imported.code, 0, imported.stderr);
    const registered = await sangam(['trials', 'register', '--eligibility', join(FIXTURES, 'trial-matching/NCT02513394.eligibility.json'), '--research-study', join(FIXTURES, 'trial-matching/ctms-researchstudy-NCT02513394.json'), '--data-dir', dataDir]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /^registered NCT02513394: /);
  });

  it('matches the stage IV patient against PALLAS criterion by criterion, naming what rules it out', async () => {
    const res = await sangam(['trials', 'match', PATIENT, '--all', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^NCT02513394 NOT_ELIGIBLE: /m);
    // PALLAS takes stage II-III; Patient01 is stage IV
    assert.match(res.stdout, /NOT_MET +.*[Ss]tage/);
  });

  it('answers the cohort question as a trial matcher sees it: one patient is a suppressed count and no ids', async () => {
    const res = await sangam(['trials', 'eligible', 'NCT02513394', '--matcher', 'matcher-1', '--json', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    const page = JSON.parse(res.stdout);
    assert.deepEqual(page.count, { value: 0, display: '0' });
    assert.deepEqual(page.patients, []);
    assert.doesNotMatch(res.stdout, new RegExp(PATIENT));
  });

  it('records an outcome with its survival labels, and refuses an impossible timeline', async () => {
    const good = join(dataDir, 'outcome.json');
    writeFileSync(good, JSON.stringify({ patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 1, startDate: '2024-01-10', bestResponse: { category: 'PR', date: '2024-04-10' }, progressionDate: '2024-09-02', lastFollowUp: '2024-12-01' }));
    const res = await sangam(['outcomes', 'record', good, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    // 2024-01-10 → 2024-09-02 is 236 days; → 2024-12-01 is 326 days, alive (the GraphQL test's hand count)
    assert.match(res.stdout, /progression-free survival 236 days; overall survival 326 days \(censored\)/);
    const bad = join(dataDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 2, startDate: '2025-03-01', progressionDate: '2025-02-01' }));
    const refused = await sangam(['outcomes', 'record', bad, '--data-dir', dataDir]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /progressionDate/);
  });

  it('prints the equity report as a table and writes its chart', async () => {
    const svg = join(dataDir, 'equity.svg');
    const res = await sangam(['report', 'equity', '--svg', svg, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /population/i);
    assert.match(readFileSync(svg, 'utf8'), /^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('explains therapy suggestions, or why there are none', async () => {
    const res = await sangam(['therapy', 'suggest', PATIENT, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /knowledge base civic-\d{4}-\d{2}-\d{2}/);
  });
});
