import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClinicalSummary } from '../../src/clinical/mcode/types.ts';
import { generateCohort } from '../../src/cohort/generate.ts';
import { regimen, type RegimenId } from '../../src/cohort/therapies.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

let dir: string;
let truth: any;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sangam-cohort-import-'));
  await generateCohort({ sites: 4, patientsPerSite: 15, tilesPerSlide: 0, seed: 31, out: dir });
  truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
});

after(() => rm(dir, { recursive: true, force: true }));

const PROTEIN: Record<string, string> = {
  L858R: 'p.Leu858Arg', E746_A750del: 'p.Glu746_Ala750del', G12C: 'p.Gly12Cys', G12D: 'p.Gly12Asp', G12V: 'p.Gly12Val', G13D: 'p.Gly13Asp',
};

/** Compares one mapped summary with the generator's hidden truth, field by field. */
function checkAgainstTruth(s: ClinicalSummary, p: any): void {
  const where = p.id;
  assert.equal(s.sex?.value, p.sex, `${where} sex`);
  assert.ok(Math.abs((s.ageAtDiagnosis?.value ?? -99) - Math.floor(p.age)) <= 1, `${where} age ${s.ageAtDiagnosis?.value} vs ${p.age}`);
  assert.equal(s.primaryCancer?.cancerType, p.cancer, `${where} cancer`);
  assert.equal(s.primaryCancer?.diagnosisDate, p.diagnosisDate, `${where} diagnosis date`);
  if (p.recorded.stage) {
    assert.equal(s.staging.group?.label, p.stageGroup, `${where} stage group`);
    assert.deepEqual([s.staging.t?.label, s.staging.n?.label, s.staging.m?.label], [p.tnm.t, p.tnm.n, p.tnm.m], `${where} TNM`);
  } else assert.equal(s.staging.group, undefined, `${where} stage should be missing`);
  assert.equal(s.ecog?.value, p.recorded.ecog ? p.ecog : undefined, `${where} ECOG`);
  const status = (m: string) => s.tumorMarkers.find((t) => t.marker === m)?.status;
  if (p.breast && p.recorded.receptors) {
    assert.equal(status('ER'), p.breast.er ? 'positive' : 'negative', `${where} ER`);
    assert.equal(status('PR'), p.breast.pr ? 'positive' : 'negative', `${where} PR`);
    assert.equal(status('HER2'), p.breast.her2 ? 'positive' : 'negative', `${where} HER2`);
  }
  if (p.msiTested || (p.sequenced && p.cancer === 'colorectal')) assert.equal(status('MSI'), p.mutations.MSI_H ? 'high' : 'stable', `${where} MSI`);
  if (p.sequenced) {
    const found = new Set(s.variants.map((v) => `${v.gene} ${v.hgvsProtein}`));
    const expected = new Set<string>();
    if (p.mutations.EGFR) expected.add(`EGFR ${PROTEIN[p.mutations.EGFR]}`);
    if (p.mutations.KRAS) expected.add(`KRAS ${PROTEIN[p.mutations.KRAS]}`);
    if (p.mutations.BRAF_V600E) expected.add('BRAF p.Val600Glu');
    if (p.mutations.PIK3CA_H1047R) expected.add('PIK3CA p.His1047Arg');
    if (p.mutations.TP53_R175H) expected.add('TP53 p.Arg175His');
    assert.deepEqual([...found].sort(), [...expected].sort(), `${where} variants`);
    const tmb = s.tumorMarkers.find((t) => t.marker === 'TMB')?.quantity?.value;
    assert.ok(Math.abs((tmb ?? -1) - p.tmb.codingAndSilentPerMb) < 0.011, `${where} TMB`);
  } else assert.equal(s.variants.length, 0, `${where} unsequenced patients have no variants`);
  for (const line of p.therapies) {
    const drugs = s.medications.filter((m) => m.line === line.line).map((m) => m.display).sort();
    assert.deepEqual(drugs, regimen(line.regimen as RegimenId).drugs.map((d) => d.name).sort(), `${where} line ${line.line}`);
    assert.ok(s.medications.filter((m) => m.line === line.line).every((m) => m.start === line.start && m.status === line.status), `${where} line ${line.line} dates`);
  }
  assert.equal(s.deceased?.value, p.survival.died, `${where} deceased`);
  if (p.survival.died) assert.equal(s.deceasedDate?.value, p.survival.lastDate, `${where} death date`);
  else assert.equal(s.diseaseStatus.at(-1)?.date, p.survival.lastDate, `${where} last contact`);
}

for (const testDb of testDatabases()) {
  describe(`generated cohort imports (${testDb.name})`, () => {
    test('every Bundle imports with zero errors and maps back to the truth', async () => {
      const db = await testDb.open();
      try {
        const site = buildTestApp(db);
        let imported = 0;
        const phi: string[] = [];
        for (const s of truth.sites) {
          for (const file of (await readdir(join(dir, s.profile.id, 'bundles'))).sort()) {
            const bundle = JSON.parse(await readFile(join(dir, s.profile.id, 'bundles', file), 'utf8'));
            const patient = bundle.entry[0].resource;
            phi.push(patient.birthDate, patient.identifier[0].value);
            const result = await site.clinical.importBundle(bundle, 'cohort-test');
            assert.deepEqual(result.warnings, [], file);
            imported++;
          }
        }
        const patients = truth.sites.flatMap((s: any) => s.patients);
        assert.equal(imported, patients.length);
        const stored = await site.clinical.summaries(patients.map((p: any) => p.id));
        patients.forEach((p: any, i: number) => {
          const summary = stored[i]?.summary;
          assert.ok(summary, `${p.id} has a summary`);
          checkAgainstTruth(summary, p);
        });
        // birth dates and identifiers never reach the log
        const log = site.logs.text();
        for (const value of phi) assert.ok(!log.includes(value), `log leaks ${value}`);
      } finally {
        await db.close();
      }
    });
  });
}
