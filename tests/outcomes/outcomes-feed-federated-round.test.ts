/**
 * Issue "Outcomes", end to end: outcomes recorded through GraphQL `recordOutcome` become labelled
 * examples of the site's next federated round, and the version that round produces is installed
 * and answers differently for the patients whose outcomes were recorded.
 *
 * A batch of synthetic-cohort patients arrives without their therapy and disease-status resources
 * (the EHR sent diagnoses and biomarkers only), so the response task cannot use them. Their lines
 * are then recorded from the generator's ground truth (care.ts): regimen, line, start, the RECIST
 * best response at the line's assessment about twelve weeks in (PR when it truly responded, else
 * SD or PD as its course says), progression and last follow-up. A line whose assessment fell after
 * the last contact is recorded without a response and must stay unlabelled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Observation } from '@medplum/fhirtypes';
import type { GeneratedPatient } from '../../src/cohort/generate.ts';
import { isoOf } from '../../src/cohort/patient.ts';
import { listSubmissions } from '../../src/federation/coordinator/round-store.ts';
import { startSiteNode, type SiteNode, type SiteNodeEvent } from '../../src/federation/node/site-node.ts';
import { scoreHeldOut } from '../../src/federation/rollout/held-out-metrics.ts';
import type { LabelledSet } from '../../src/federation/site-data/labelled-set.ts';
import { loadSiteTrainingSet, splitPosition, type SiteDataServices, type SiteTrainingSet } from '../../src/federation/site-data/training-set.ts';
import { gql } from '../helpers/app.ts';
import { capturedLogger, startTestCoordinator, startTestSite, within, type TestCoordinator, type TestSite } from '../federation/node/node-fixtures.ts';

const MODEL = 'response-synthetic';
const BATCH = 24;
const HELD_OUT_FRACTION = 0.2; // training-set.ts's default, which the site node uses

const RECORD = `mutation($input: OutcomeInput!) { recordOutcome(input: $input) { patientId line regimen responded } }`;
const RESPONSE = `query($id: ID!, $t: [String!]) { patient(id: $id) { therapyResponse(therapies: $t) { therapy probability modelVersion } } }`;

/** One line's outcome as a clinic would report it, and the label site training should read from it. */
interface RecordedLine {
  input: Record<string, unknown>;
  label: 0 | 1 | undefined;
}

/**
 * The outcome of each of the patient's lines from the generator's truth. care.ts assesses a line
 * 84 days after its start (only when that day is within follow-up): `improved` when it responded,
 * else `stable` or `worsened`; progression is the first `worsened` status from then on before the
 * next line.
 */
function truthOutcomes(p: GeneratedPatient): RecordedLine[] {
  const { lines, statuses, lastDay, died } = p.course;
  return lines.map((line, k) => {
    const next = lines[k + 1]?.startDay ?? Infinity;
    const assessDay = line.startDay + 84;
    const input: Record<string, unknown> = { patientId: p.biology.id, therapy: { regimen: line.regimen }, line: line.line, startDate: isoOf(line.startDay) };
    let label: 0 | 1 | undefined;
    if (assessDay <= lastDay) {
      const trend = statuses.find((s) => s.day === assessDay)?.trend;
      assert.ok(trend, `${p.biology.id} line ${line.line}: the generator left no status on its assessment day`);
      assert.equal(trend === 'improved', line.responded, 'the assessment says whether the line truly responded');
      input.bestResponse = { category: line.responded ? 'PR' : trend === 'stable' ? 'SD' : 'PD', date: isoOf(assessDay) };
      const progression = statuses.find((s) => s.trend === 'worsened' && s.day >= assessDay && s.day < next);
      if (progression) input.progressionDate = isoOf(progression.day);
      label = line.responded ? 1 : 0;
    }
    if (k === lines.length - 1 && !died) input.lastFollowUp = isoOf(lastDay);
    return { input, label };
  });
}

/** The bundle without what records a line of therapy or its disease status: the part recordOutcome writes. */
function withoutOutcomes(bundle: Bundle): Bundle {
  const isDiseaseStatus = (r: Observation) => r.code.coding?.some((c) => c.code === '97509-4') ?? false;
  return {
    ...bundle,
    entry: (bundle.entry ?? []).filter((e) => {
      const r = e.resource;
      return r?.resourceType !== 'MedicationRequest' && !(r?.resourceType === 'Observation' && isDiseaseStatus(r));
    }),
  };
}

/** A site whose first BATCH patients came in without their therapy and disease-status resources. */
async function startBatchSite(id: string, patients: number, seed: number): Promise<TestSite & { batch: GeneratedPatient[] }> {
  const site = await startTestSite(id, id, patients, seed, (p, i) => (i < BATCH ? withoutOutcomes(p.bundle) : p.bundle));
  return { ...site, batch: site.cohort.patients.slice(0, BATCH) };
}

const trainingSet = async (services: SiteDataServices): Promise<Extract<SiteTrainingSet, { status: 'ready' }>> => {
  const set = await loadSiteTrainingSet(services, { task: 'response', asOf: new Date() });
  assert.equal(set.status, 'ready');
  return set as Extract<SiteTrainingSet, { status: 'ready' }>;
};

/** The response examples the site's records give for these patients only, none held out. */
async function examplesOf(site: TestSite, ids: readonly string[]): Promise<LabelledSet & { task: 'response' }> {
  const clinical = {
    listPatients: async () => ({ ids: [...ids].sort(), hasNextPage: false, totalCount: ids.length }),
    summaries: (page: readonly string[]) => site.app.clinical.summaries(page),
  };
  const set = await loadSiteTrainingSet({ clinical, consent: site.app.consent }, { task: 'response', asOf: new Date(), heldOutFraction: 0 });
  if (set.status === 'no-labels') return { task: 'response', featureSchema: 'none', examples: [] };
  assert.equal(set.train.task, 'response');
  return set.train as LabelledSet & { task: 'response' };
}

/** Brier score and log loss of the served model on a labelled set (https://doi.org/10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2). */
async function scoreServed(site: TestSite, set: LabelledSet & { task: 'response' }): Promise<{ model: string; p: number[]; brier: number; logLoss: number }> {
  const lease = site.app.models.lease(MODEL);
  try {
    const p = [...(await scoreHeldOut(lease, set))];
    const y = set.examples.map((e) => e.label);
    const eps = 1e-7;
    const brier = p.reduce((s, q, i) => s + (q - y[i]!) ** 2, 0) / p.length;
    const logLoss = -p.reduce((s, q, i) => s + (y[i] === 1 ? Math.log(Math.max(q, eps)) : Math.log(Math.max(1 - q, eps))), 0) / p.length;
    return { model: lease.id, p, brier, logLoss };
  } finally {
    lease.release();
  }
}

/**
 * What the API answers for each batch patient's recorded regimens: `id regimen` → probability, and
 * the model versions seen. The API scores a regimen as the patient's next line, so these are not
 * the recorded lines' examples (scoreServed scores those); they show what a clinician now sees.
 */
async function servedProbabilities(site: TestSite, batch: readonly GeneratedPatient[]): Promise<{ probability: Map<string, number>; versions: Set<string> }> {
  const probability = new Map<string, number>();
  const versions = new Set<string>();
  for (const p of batch) {
    const regimens = [...new Set(p.course.lines.map((l) => l.regimen))];
    const res = await gql(site.app, RESPONSE, { id: p.biology.id, t: regimens }, { role: 'clinician' });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    for (const r of res.body.data.patient.therapyResponse as { therapy: string; probability: number; modelVersion: string }[]) {
      probability.set(`${p.biology.id} ${r.therapy}`, r.probability);
      versions.add(r.modelVersion);
    }
  }
  return { probability, versions };
}

describe('recorded outcomes feed the next federated round', () => {
  let site: TestSite & { batch: GeneratedPatient[] };
  let other: TestSite;
  let recorded: { patient: GeneratedPatient; lines: RecordedLine[] }[];
  /** the site's training examples before any outcome was recorded */
  let trainedBefore: number;
  const log = capturedLogger();

  before(async () => {
    site = await startBatchSite('in-south', 40, 31);
    other = await startTestSite('in-west', 'in-west', 30, 32);
    recorded = site.batch.map((patient) => ({ patient, lines: truthOutcomes(patient) }));
  });
  after(async () => {
    await site?.close();
    await other?.close();
  });

  const labelled = (filter: (p: GeneratedPatient) => boolean = () => true) =>
    recorded.filter((r) => filter(r.patient)).flatMap((r) => r.lines.filter((l) => l.label !== undefined));
  const training = (p: GeneratedPatient) => splitPosition(p.biology.id) >= HELD_OUT_FRACTION;

  it('adds exactly the labelled lines it records to the site training set, with the true labels', { timeout: 180_000 }, async () => {
    const services = { clinical: site.app.clinical, consent: site.app.consent };
    const before = await trainingSet(services);
    trainedBefore = before.counts.trainExamples;
    // stripped of their lines, the batch patients are outside the response task
    assert.equal((await examplesOf(site, site.batch.map((p) => p.biology.id))).examples.length, 0);
    assert.equal(before.counts.notEligible, BATCH, 'every other patient has a line of therapy');

    for (const { patient, lines } of recorded) {
      for (const line of lines) {
        const res = await gql(site.app, RECORD, { input: line.input });
        assert.equal(res.status, 200, `${patient.biology.id}: ${JSON.stringify(res.body.errors)}`);
        const o = res.body.data.recordOutcome;
        assert.equal(o.regimen, (line.input.therapy as { regimen: string }).regimen, 'the regimen is in the formulary');
        assert.equal(o.responded, line.label === undefined ? null : line.label === 1);
      }
    }

    const lines = recorded.flatMap((r) => r.lines);
    const all = labelled();
    const responded = all.filter((l) => l.label === 1).length;
    assert.ok(all.length >= BATCH / 2 && all.length < lines.length, `${all.length} labelled of ${lines.length} lines: some unassessed lines keep the test honest`);
    assert.ok(responded > 0 && responded < all.length, `${responded} of ${all.length} responded`);

    const after = await trainingSet(services);
    const examples = (s: typeof before) => s.counts.trainExamples + s.counts.heldOutExamples;
    assert.equal(examples(after), examples(before) + all.length, 'every labelled recorded line, and nothing else, became an example');
    assert.equal(after.counts.trainExamples, before.counts.trainExamples + labelled(training).length, 'the split puts each recorded patient where its keyed hash says');
    assert.equal(after.counts.notEligible, before.counts.notEligible - BATCH, 'every batch patient now has a line of therapy');
    const unlabelledOnly = recorded.filter((r) => r.lines.every((l) => l.label === undefined)).length;
    assert.equal(after.counts.withoutLabel, before.counts.withoutLabel + unlabelledOnly);

    // patient by patient, the examples are the assessed lines in order, with the true response and the recorded line number
    for (const { patient, lines: recordedLines } of recorded) {
      const examples = (await examplesOf(site, [patient.biology.id])).examples;
      const expected = recordedLines.filter((l) => l.label !== undefined);
      assert.deepEqual(
        examples.map((e) => [e.label, e.features.at(-1)]),
        expected.map((l) => [l.label, l.input.line]),
        patient.biology.id,
      );
    }
  });

  it('one round trains on them: the site installs a new version whose predictions and metrics on those patients change', { timeout: 180_000 }, async () => {
    const ids = site.batch.map((p) => p.biology.id);
    const batchSet = await examplesOf(site, ids);
    const served1 = await scoreServed(site, batchSet);
    const api1 = await servedProbabilities(site, site.batch);
    assert.equal(served1.model, `${MODEL}@1`);
    assert.deepEqual([...api1.versions], [`${MODEL}@1`]);
    const count = (await trainingSet({ clinical: site.app.clinical, consent: site.app.consent })).counts.trainExamples;
    assert.equal(count, trainedBefore + labelled(training).length, 'the recorded lines on the training side are in what the round trains on');
    const otherCount = (await trainingSet({ clinical: other.app.clinical, consent: other.app.consent })).counts.trainExamples;

    const c: TestCoordinator = await startTestCoordinator(
      [site, other],
      { rounds: 1, round: { strategy: { name: 'fedavg' }, localSteps: 5, learningRate: 0.05, batchSize: 16, quorum: 2, durationMs: 60_000, dp: null } },
      log.logger,
      'onco-outcomes',
    );
    const runs = [site, other].map((s) => {
      const events: SiteNodeEvent[] = [];
      const node: SiteNode = startSiteNode({
        services: s.app,
        db: s.db,
        coordinatorUrl: c.node.url,
        federationId: c.federationId,
        siteId: s.id,
        privateKey: s.keys.privateKey,
        coordinatorPublicKey: c.keys.publicKey,
        model: MODEL,
        pollIntervalMs: 100,
        maxBackoffMs: 500,
        seed: 11,
        // any held-out change is accepted, so installation does not hang on how the metrics moved
        tolerance: 1,
        stopAfterVersions: 1,
        logger: log.logger,
        onEvent: (e) => events.push(e),
      });
      return { node, events };
    });
    try {
      await within(Promise.all(runs.map((r) => r.node.finished)), 120_000, 'both sites to handle the version of the round');
      const status = await c.node.coordinator.status({ federationId: c.federationId });
      assert.deepEqual(status.rounds.map((r) => [r.state, r.submitted, r.resultVersion]), [['closed', 2, 1]]);

      // the coordinator holds the count each site trained on, the recorded lines included
      const submissions = await listSubmissions(c.db, status.rounds[0]!.id, false);
      assert.deepEqual(submissions.map((s) => [s.siteId, s.kind, s.numExamples]), [['in-south', 'update', count], ['in-west', 'update', otherCount]]);
      // a site that polls before the round opens also reports the lineage's version 0, which it already serves
      const installed = runs[0]!.events.filter((e): e is Extract<SiteNodeEvent, { kind: 'version' }> => e.kind === 'version' && e.roundId !== null);
      assert.deepEqual(installed.map((e) => [e.version, e.model, e.result]), [[1, `${MODEL}@2`, 'installed']]);
    } finally {
      for (const r of runs) await r.node.stop();
      await c.close();
    }

    const lease = site.app.models.lease(MODEL);
    try {
      assert.equal(lease.card.version, '2');
      // the version's card says what it was trained on: both sites' counts, the recorded lines among them
      assert.deepEqual(lease.card.federation?.round.sites, ['in-south', 'in-west']);
      assert.equal(lease.card.federation?.round.examples, count + otherCount);
    } finally {
      lease.release();
    }

    const served2 = await scoreServed(site, batchSet);
    const api2 = await servedProbabilities(site, site.batch);
    assert.equal(served2.model, `${MODEL}@2`);
    assert.deepEqual([...api2.versions], [`${MODEL}@2`]);
    // every (patient, recorded regimen) is answered anew by the new version
    assert.deepEqual([...api2.probability.keys()].sort(), [...api1.probability.keys()].sort());
    for (const [key, p1] of api1.probability) assert.notEqual(api2.probability.get(key), p1, `${key}: the same probability from both versions`);
    const moved = served1.p.map((p, i) => Math.abs(p - served2.p[i]!));
    assert.ok(Math.min(...moved) > 0, 'every recorded line is scored differently');
    assert.ok(Math.abs(served2.brier - served1.brier) > 1e-6, `Brier ${served1.brier} → ${served2.brier}`);
    assert.ok(Math.abs(served2.logLoss - served1.logLoss) > 1e-6, `log loss ${served1.logLoss} → ${served2.logLoss}`);
  });
});
