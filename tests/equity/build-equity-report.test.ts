import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSitePatients } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import { buildEquityReport, renderEquityChart, renderEquityTable, type EquityReport, type EquityServices, type ModelEquity } from '../../src/equity/index.ts';
import { metricsOf, scoreHeldOut, subgroupsOf } from '../../src/federation/rollout/held-out-metrics.ts';
import { loadSiteTrainingSet, type SiteTask } from '../../src/federation/site-data/training-set.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const site = generateSitePatients(builtInProfiles().find((p) => p.id === 'us-northeast')!, 60, 11);
const sequenced = site.patients.filter((p) => p.calls).slice(0, 3);
const ASOF = new Date('2030-01-01T00:00:00Z');
const MIN = 5;

/** Tallies of a generator attribute (the independent source for representation). */
function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const modelOf = (r: EquityReport, name: string): ModelEquity => r.models.find((m) => m.model.startsWith(`${name}@`))!;

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text, 'utf8');
}

for (const target of testDatabases()) {
  describe(`the equity report on ${target.name}`, () => {
    let db: Database;
    let app: ReturnType<typeof buildTestApp>;
    let services: EquityServices;
    let report: EquityReport;
    const firstTwo = site.patients.slice(0, 2).map((p) => p.biology.id);
    const eligible = [...firstTwo, sequenced.find((p) => !firstTwo.includes(p.biology.id))!.biology.id, 'not-a-patient-here'];

    before(async () => {
      db = await target.open();
      app = buildTestApp(db);
      await loadShippedModels(app.models);
      for (const p of site.patients) await app.clinical.importBundle(p.bundle, 'test');
      for (const p of sequenced) {
        const vcf = writeVcf(p.calls!, { annotation: site.profile.annotation, tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' });
        await app.genomics.importVariants(bytes(vcf), { patientId: p.biology.id, fileName: `${p.biology.id}.vcf`, source: 'test' });
      }
      services = { clinical: app.clinical, genomics: app.genomics, models: app.models, consent: app.consent };
      report = await buildEquityReport(services, { asOf: ASOF, minSubgroupSize: MIN, trialEligible: async () => eligible });
    });
    after(async () => {
      await app.models.close();
      await app.pathology.close();
      await db.close();
    });

    it('counts all, sequenced (a stored call set) and trial-eligible patients, and each group as the generator made them', () => {
      assert.deepEqual(report.patients, { total: site.patients.length, sequenced: 3, trialEligible: 3, excludedByConsent: 0 });
      const rows = (attribute: string) => report.representation.find((a) => a.attribute === attribute)!.groups;
      const counts = (attribute: string, column: 'all' | 'sequenced' | 'trialEligible') => Object.fromEntries(rows(attribute).filter((g) => g[column]!.count > 0).map((g) => [g.group, g[column]!.count]));
      assert.deepEqual(counts('sex', 'all'), tally(site.patients.map((p) => p.biology.sex)));
      assert.deepEqual(counts('cancerType', 'all'), tally(site.patients.map((p) => p.biology.cancer)));
      assert.deepEqual(counts('cancerType', 'sequenced'), tally(sequenced.map((p) => p.biology.cancer)));
      const eligibleCancers = tally(site.patients.filter((p) => eligible.includes(p.biology.id)).map((p) => p.biology.cancer));
      assert.deepEqual(counts('cancerType', 'trialEligible'), eligibleCancers);
      for (const a of report.representation) assert.ok(Math.abs(a.groups.reduce((s, g) => s + g.all.share!, 0) - 1) < 1e-12);
    });

    it("scores the models in service on the same labelled examples as site training, overall and per subgroup", async () => {
      for (const [name, task, metric] of [['prognosis-brca', 'prognosis-brca', 'cIndex'], ['response-synthetic', 'response', 'auc']] as const) {
        // the independent route: site-data's own training set with nothing held out, scored as the rollout acceptance test scores
        const set = await loadSiteTrainingSet({ clinical: app.clinical, consent: app.consent }, { task: task as SiteTask, asOf: ASOF, heldOutFraction: 0 });
        assert.equal(set.status, 'ready');
        if (set.status !== 'ready') return;
        const lease = app.models.lease(name);
        const scores = await scoreHeldOut(lease, set.train);
        lease.release();
        const m = modelOf(report, name);
        assert.equal(m.metric, metric);
        assert.equal(m.overall!.examples, set.train.examples.length);
        assert.equal(m.overall!.patients, set.counts.trainPatients);
        assert.ok(Math.abs(m.overall!.value! - metricsOf(set.train, scores, set.train.examples.map((_, i) => i))[metric]!) < 1e-12, `${name} overall`);
        for (const g of subgroupsOf(set.train, ['sex'])) {
          if (g.label === 'overall') continue;
          const mine = m.attributes!.find((a) => a.attribute === 'sex')!.groups.find((x) => `sex ${x.group}` === g.label)!;
          assert.equal(mine.examples, g.members.length);
          if (mine.value !== null) assert.ok(Math.abs(mine.value - metricsOf(set.train, scores, g.members)[metric]!) < 1e-12, `${name} ${g.label}`);
        }
      }
      assert.match(modelOf(report, 'mutation-synthetic').skipped ?? '', /no local labels for mutation models/);
    });

    it('flags subgroups below the minimum and suppresses their metric; gaps are over the groups shown', () => {
      const groups = report.models.flatMap((m) => m.attributes ?? []).flatMap((a) => a.groups);
      assert.ok(groups.some((g) => g.small), 'the test site should have a small group');
      for (const g of groups) {
        assert.equal(g.small, g.patients < MIN);
        if (g.small) assert.equal(g.value, null);
      }
      for (const a of report.models.flatMap((m) => m.attributes ?? [])) {
        if (a.gap === undefined) continue;
        const shown = a.groups.filter((g) => g.value !== null).map((g) => g.value!);
        assert.equal(a.gap, Math.max(...shown) - Math.min(...shown));
      }
    });

    it('held-out data uses the split site training uses; consent withdrawn before asOf leaves a patient out of the metrics', async () => {
      const heldOut = await buildEquityReport(services, { asOf: ASOF, data: 'held-out', splitKey: 'equity-key', heldOutFraction: 0.5, minSubgroupSize: 1 });
      const split = await loadSiteTrainingSet({ clinical: app.clinical, consent: app.consent }, { task: 'prognosis-brca', asOf: ASOF, splitKey: 'equity-key', heldOutFraction: 0.5 });
      assert.ok(split.status === 'ready');
      assert.equal(modelOf(heldOut, 'prognosis-brca').overall!.patients, split.counts.heldOutPatients);
      assert.equal(heldOut.patients.trialEligible, null);

      const breast = site.patients.find((p) => p.biology.cancer === 'breast')!.biology.id;
      await app.consent.withdrawConsent(breast, 'asked at clinic');
      const later = await buildEquityReport(services, { asOf: new Date(Date.now() + 60_000), minSubgroupSize: MIN });
      assert.equal(later.patients.excludedByConsent, 1);
      assert.equal(modelOf(later, 'prognosis-brca').overall!.patients, modelOf(report, 'prognosis-brca').overall!.patients - 1);
      assert.equal(later.patients.total, site.patients.length); // still counted in representation
    });

    it('holds no patient id, and renders as a table and a chart with one bar per group', () => {
      const json = JSON.stringify(report);
      for (const p of site.patients) assert.ok(!json.includes(p.biology.id), 'a patient id in the report');
      const text = renderEquityTable(report);
      assert.match(text, /Model prognosis-brca@1 \(prognosis, C-index\)/);
      assert.match(text, /Model response-synthetic@1 \(response, AUC\)/);
      const svg = renderEquityChart(report);
      const representationBars = (svg.match(/<rect class="bar" data-section="representation"/g) ?? []).length;
      assert.equal(representationBars, report.representation.reduce((n, a) => n + a.groups.length, 0) * 3);
      const performanceBars = (svg.match(/<rect class="bar" data-section="performance"/g) ?? []).length;
      assert.equal(performanceBars, report.models.flatMap((m) => m.attributes ?? []).reduce((n, a) => n + a.groups.length, 0));
    });

    it('refuses a bad asOf or minimum size', async () => {
      await assert.rejects(buildEquityReport(services, { asOf: new Date('nope') }), (e: { code?: string }) => e.code === 'BAD_INPUT');
      await assert.rejects(buildEquityReport(services, { asOf: ASOF, minSubgroupSize: 0 }), (e: { code?: string }) => e.code === 'BAD_INPUT');
    });
  });
}
