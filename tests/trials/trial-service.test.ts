import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { bgzip } from '../../src/cohort/bgzf.ts';
import { generateCohortInMemory, type GeneratedPatient } from '../../src/cohort/generate.ts';
import { HOTSPOTS } from '../../src/cohort/hotspots.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import { loadCodeTables } from '../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../src/clinical/mcode/map-clinical-summary.ts';
import type { Database } from '../../src/storage/port.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { readPatientFacts, refreshPatientFeatures } from '../../src/trials/facts/feature-store.ts';
import { createTrialService, type TrialService } from '../../src/trials/trial-service.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';
import { fixture } from '../helpers/fixtures.ts';

/**
 * The service over a real site: generated patients imported as FHIR Bundles (and VCFs for a few),
 * the projection rebuilt from their clinical summaries and stored calls, and checked against the
 * generator's own truth; then trials registered and matched both ways, and the CodeX fixtures.
 */
const tables = loadCodeTables();
const asOf = '2026-01-01';
const [site] = generateCohortInMemory({ sites: 1, patientsPerSite: 25, seed: 11, profiles: [builtInProfiles()[0]!] });
const patients = site!.patients;
const sequenced = patients.filter((p) => p.calls?.some((c) => c.hotspot && c.filter === 'PASS')).slice(0, 3);

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

const EGFR_TRIAL = {
  trialId: 'LOCAL-EGFR-1',
  title: 'EGFR-mutant lung cancer (test trial)',
  status: 'active',
  match: {
    and: [
      { clinical: { cancerType: 'lung', age: '>=18' } },
      { or: [{ genomic: { gene: 'EGFR', proteinChange: 'p.L858R' } }, { genomic: { gene: 'EGFR', exon: 19, proteinChange: 'p.E746_A750del' } }] },
    ],
  },
};

for (const target of testDatabases()) {
  describe(`trial service on ${target.name}`, () => {
    let db: Database;
    let trials: TrialService;
    let logs: ReturnType<typeof buildTestApp>['logs'];
    let clinicalSummaries: ReturnType<typeof buildTestApp>['clinical']['summaries'];
    const trialLogs: string[] = [];
    before(async () => {
      db = await target.open();
      const app = buildTestApp(db);
      logs = app.logs;
      clinicalSummaries = app.clinical.summaries;
      for (const p of patients) await app.clinical.importBundle(p.bundle, 'test');
      for (const p of sequenced) {
        const vcf = bgzip(writeVcf(p.calls!, { annotation: 'CSQ', tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' }));
        await app.genomics.importVariants(once(vcf), { patientId: p.biology.id, specimenId: 'tumour-1', fileName: 'x.vcf.gz', source: 'test' });
      }
      trials = createTrialService({
        db,
        clinical: app.clinical,
        tables,
        logger: createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, cb) => (trialLogs.push(chunk.toString()), cb()) }) }),
        summarise: (id, resources) => mapClinicalSummary(id, resources, tables),
        maxBundleEntries: 1000,
      });
    });
    after(async () => db.close());

    it('rebuilds the projection from the stored records, agreeing with the generator’s truth', async () => {
      assert.equal(await trials.refreshAllPatients(7), patients.length);
      const facts = await readPatientFacts(db, patients.map((p) => p.biology.id));
      const vcfIds = new Set(sequenced.map((p) => p.biology.id));
      for (const p of patients as GeneratedPatient[]) {
        const b = p.biology;
        const f = facts.get(b.id);
        assert.ok(f, b.id);
        assert.equal(f.cancerType, b.cancer, b.id);
        assert.equal(f.sex, b.sex, b.id);
        assert.deepEqual(f.birthDate, { earliest: b.birthDate, latest: b.birthDate }, b.id);
        assert.equal(f.stageGroup, b.recorded.stage ? b.stage : null, b.id);
        assert.equal(f.ecog, b.recorded.ecog ? b.ecog : null, b.id);
        assert.equal(f.priorLines, Math.max(...p.course.lines.map((l) => l.line)), b.id);
        assert.equal(f.deceased, p.course.died, b.id);
        assert.equal(f.populationGroup, b.recorded.race ? 'Asian Indian' : null, b.id); // in-west writes 2029-7
        const receptors = b.breast && b.recorded.receptors;
        assert.equal(f.er, receptors ? (b.breast!.er ? 'positive' : 'negative') : null, b.id);
        assert.equal(f.her2, receptors ? (b.breast!.her2 ? 'positive' : 'negative') : null, b.id);
        assert.equal(f.msi, b.msiTested || (b.sequenced && b.cancer === 'colorectal') ? (b.msiH ? 'MSI-H' : 'MSS') : null, b.id);
        assert.equal(f.sequenced, vcfIds.has(b.id), b.id);
        // every PASS hotspot is there with its protein change; with the VCF stored, with its exon too
        for (const c of p.calls?.filter((x) => x.hotspot && x.filter === 'PASS') ?? []) {
          const h = HOTSPOTS[c.hotspot!];
          const hit = f.variants.find((v) => v.gene === h.gene && v.proteinChange === `p.${h.short}`);
          assert.ok(hit, `${b.id} ${h.key}`);
          if (vcfIds.has(b.id)) assert.ok(f.variants.some((v) => v.gene === h.gene && v.exon === Number(h.exon.split('/')[0]) && v.altering === true), `${b.id} ${h.key} exon`);
        }
      }
    });

    it('refreshPatientFeatures: uses the calls it is given, and a missing summary removes the row', async () => {
      const id = 'in-west-0006';
      const [stored] = await clinicalSummaries([id]);
      assert.ok(stored);
      // called with no calls: the VCF's exon-level rows go, the FHIR-reported EGFR variant stays (exon unknown)
      const facts = await refreshPatientFeatures(db, id, stored.summary, []);
      assert.equal(facts?.sequenced, true); // the call set is still stored
      const egfr = (await readPatientFacts(db, [id])).get(id)?.variants.filter((v) => v.gene === 'EGFR');
      assert.deepEqual(egfr, [{ gene: 'EGFR', proteinChange: 'p.E746_A750del', exon: null, altering: true }]);
      await refreshPatientFeatures(db, id, stored.summary);
      assert.ok((await readPatientFacts(db, [id])).get(id)?.variants.some((v) => v.gene === 'EGFR' && v.exon === 19));
      await refreshPatientFeatures(db, 'in-west-0007', undefined);
      assert.equal((await readPatientFacts(db, ['in-west-0007'])).size, 0);
      await trials.refreshPatients(['in-west-0007']);
      assert.equal((await readPatientFacts(db, ['in-west-0007'])).size, 1);
    });

    it('registers trials, lists them back from the database, and matches a patient criterion by criterion', async () => {
      await trials.registerTrial({ eligibility: EGFR_TRIAL });
      await trials.registerTrial({ researchStudy: fixture('trial-matching/ctms-researchstudy-NCT02513394.json'), eligibility: fixture('trial-matching/NCT02513394.eligibility.json') });
      assert.deepEqual((await trials.trials()).map((t) => t.id), ['LOCAL-EGFR-1', 'NCT02513394']);
      const stored = await trials.trial('NCT02513394');
      assert.equal(stored?.warnings.length, 1);
      assert.match(stored?.criteriaText ?? '', /Inclusion Criteria/);

      // in-west-0006: lung, EGFR E746_A750del, VCF stored → eligible; in-west-0012: lung EGFR but never sequenced → possibly
      const egfr = await trials.matchingTrials('in-west-0006', { asOf });
      assert.equal(egfr.find((x) => x.trial.id === 'LOCAL-EGFR-1')?.status, 'ELIGIBLE');
      const unsequenced = await trials.matchingTrials('in-west-0012', { asOf });
      const open = unsequenced.find((x) => x.trial.id === 'LOCAL-EGFR-1');
      assert.deepEqual([open?.status, open?.criteria.filter((c) => c.result === 'UNKNOWN').length], ['POSSIBLY_ELIGIBLE', 2]);
      // breast patients: PALLAS's FHIRPath exclusion runs over the stored record (in-west-0019 had palbociclib)
      for (const [id, given] of [['in-west-0019', true], ['in-west-0021', false]] as const) {
        assert.equal(JSON.stringify(patients.find((p) => p.biology.id === id)?.bundle).includes('palbociclib'), given);
        const all = await trials.matchingTrials(id, { asOf, includeNotEligible: true });
        const cdk = all.find((x) => x.trial.id === 'NCT02513394')?.criteria.find((c) => c.exclusion);
        assert.equal(cdk?.result, given ? 'MET' : 'NOT_MET', id);
      }
      await assert.rejects(trials.matchingTrials('nobody'), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
    });

    it('lists eligible patients for a trial matcher through the service', async () => {
      const page = await trials.eligiblePatients('NCT02513394', { first: 10, matcherKey: 'matcher-secret-0123456789abcdef', asOf, includePossible: true });
      assert.equal(page.trialId, 'NCT02513394');
      assert.equal(page.needsRecordReview, true); // the CDK4/6 exclusion is FHIRPath: nobody is listed as eligible from SQL alone
      assert.equal(page.count.value, 0);
      await assert.rejects(trials.eligiblePatients('NCT99999999', { first: 10, matcherKey: 'matcher-secret-0123456789abcdef' }), /no such trial/);
      const text = logs.text() + trialLogs.join('');
      assert.match(trialLogs.join(''), /"trialId":"NCT02513394".*"eligible patients listed"/);
      for (const p of patients) assert.ok(!text.includes(p.biology.birthDate), 'no birth dates in logs');
    });

    it('$match through the service uses the stored registry', async () => {
      const out = await trials.matchResearchStudies(fixture('trial-matching/TrialMatching_Patient01.json'), { asOf, includeNotEligible: true });
      assert.deepEqual(out.entry?.map((e) => e.resource?.id), ['LOCAL-EGFR-1', '0']); // NCT02513394's ResearchStudy keeps its id "0"
      assert.ok(await trials.removeTrial('LOCAL-EGFR-1'));
      assert.equal((await trials.trials()).length, 1);
    });
  });
}
