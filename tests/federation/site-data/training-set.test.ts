import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { generateSitePatients } from '../../../src/cohort/generate.ts';
import { builtInProfiles } from '../../../src/cohort/profiles.ts';
import { createConsentService, type ConsentService } from '../../../src/federation/site-data/consent-service.ts';
import { loadSiteTrainingSet, splitPosition, type SiteTrainingSet } from '../../../src/federation/site-data/training-set.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { Database } from '../../../src/storage/port.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { testDatabases } from '../../helpers/databases.ts';

const site = generateSitePatients(builtInProfiles().find((p) => p.id === 'in-south')!, 40, 9);
const breast = site.patients.filter((p) => p.biology.cancer === 'breast').map((p) => p.biology.id);
if (breast.length < 10) throw new Error(`the test site has only ${breast.length} breast-cancer patients`);

function researchConsent(id: string, patientId: string, status: 'active' | 'rejected', dateTime: string): Resource {
  return {
    resourceType: 'Consent',
    id,
    status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime,
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: status === 'active' ? 'OPTIN' : 'OPTOUT' }] },
  } as Resource;
}

/** Patients in the set: the training and held-out sides together. */
const used = (s: SiteTrainingSet) => s.counts.trainPatients + s.counts.heldOutPatients;

/** A round start strictly after everything stored so far (timestamps are microseconds, Date is milliseconds). */
async function roundStart(): Promise<Date> {
  await sleep(5);
  const t = new Date();
  await sleep(5);
  return t;
}

for (const target of testDatabases()) {
  describe(`a site's training set and consent on ${target.name}`, () => {
    let db: Database;
    let app: ReturnType<typeof buildTestApp>;
    let consent: ConsentService;
    const services = () => ({ clinical: app.clinical, consent });
    const consentLog: string[] = [];

    before(async () => {
      db = await target.open();
      app = buildTestApp(db);
      consent = createConsentService({ db, clinical: app.clinical, logger: createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (consentLog.push(c.toString()), cb()) }) }) });
    });
    after(async () => {
      await app.pathology.close();
      await db.close();
    });

    it('answers a typed no-labels result on a site with no records', async () => {
      const empty = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: new Date() });
      assert.equal(empty.status, 'no-labels');
      assert.equal(empty.counts.patients, 0);
    });

    it('assembles the prognosis set from the stored records, with every labelled breast patient and no patient ids', async () => {
      for (const p of site.patients) await app.clinical.importBundle(p.bundle, 'test');
      const set = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: await roundStart(), splitKey: 'site-secret' });
      assert.equal(set.status, 'ready');
      if (set.status !== 'ready') return;
      assert.equal(set.counts.patients, site.patients.length);
      assert.equal(used(set), breast.length); // every generated record has a diagnosis date and follow-up
      assert.equal(set.counts.notEligible, site.patients.length - breast.length);
      assert.equal(set.train.featureSchema, 'tcga-brca-clinical@1');
      assert.equal(set.featureNames.length, 39);
      assert.ok(set.train.task === 'prognosis' && set.heldOut.task === 'prognosis');
      const all = [...set.train.examples, ...set.heldOut.examples];
      assert.ok(all.every((e) => e.features.length === 39));
      // the survival labels are the generator's, as a multiset (examples carry no id to match them by)
      const truth = site.patients.filter((p) => p.biology.cancer === 'breast').map((p) => `${p.course.observedDays}/${p.course.died ? 1 : 0}`).sort();
      assert.deepEqual(all.map((e) => `${e.time}/${e.event}`).sort(), truth);
      const heldOutIds = breast.filter((id) => splitPosition(id, 'site-secret') < 0.2);
      assert.equal(set.counts.heldOutPatients, heldOutIds.length);
      const text = JSON.stringify(set);
      for (const p of site.patients) assert.ok(!text.includes(p.biology.id), 'a patient id left the site data');
    });

    it('excludes a patient from the round after their FHIR Consent is rejected, and not from a round that started before', async () => {
      const [a] = breast;
      await app.clinical.importBundle(researchConsent('consent-a', a!, 'active', '2024-01-01T00:00:00Z'), 'test');
      const first = await roundStart();
      const withActive = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: first });
      assert.equal(used(withActive), breast.length); // an active Consent keeps the patient in
      assert.equal(withActive.counts.excludedByConsent, 0);
      await app.clinical.importBundle(researchConsent('consent-a-2', a!, 'rejected', '2025-02-01T00:00:00Z'), 'test');
      const second = await roundStart();
      const next = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: second });
      assert.equal(used(next), breast.length - 1);
      assert.equal(next.counts.excludedByConsent, 1);
      const earlier = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: first });
      assert.equal(used(earlier), breast.length);
    });

    it('excludes a patient after withdrawConsent, from the next round on; a later active FHIR Consent does not undo it', async () => {
      const b = breast[1]!;
      const before = await roundStart();
      const withdrawal = await consent.withdrawConsent(b, 'asked at clinic visit');
      assert.equal(withdrawal.patientId, b);
      await app.clinical.importBundle(researchConsent('consent-b', b, 'active', '2030-01-01T00:00:00Z'), 'test');
      const start = await roundStart();
      const next = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: start });
      assert.equal(used(next), breast.length - 2);
      assert.equal(next.counts.excludedByConsent, 2);
      assert.deepEqual([...(await consent.excludedPatients(start))].sort(), [breast[0], b].sort());
      assert.equal((await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: before })).counts.excludedByConsent, 1);
      await assert.rejects(consent.withdrawConsent('no-such-patient', 'x'), (e: { code?: string }) => e.code === 'NOT_FOUND');
      await assert.rejects(consent.withdrawConsent(b, '   '), (e: { code?: string }) => e.code === 'BAD_INPUT');
      // the reason is free text about a patient: it is stored, never logged
      assert.ok(consentLog.some((l) => l.includes('consent withdrawal recorded')));
      assert.ok(!consentLog.join('').includes('clinic visit'));
    });

    it('a re-consent through a later active FHIR Consent brings a patient back from the next round', async () => {
      await app.clinical.importBundle(researchConsent('consent-a-3', breast[0]!, 'active', '2025-06-01T00:00:00Z'), 'test');
      const set = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: await roundStart() });
      assert.equal(set.counts.excludedByConsent, 1);
    });

    it('keeps every patient on the same side of the split across rounds', async () => {
      const one = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: await roundStart(), splitKey: 'k' });
      const two = await loadSiteTrainingSet(services(), { task: 'prognosis-brca', asOf: await roundStart(), splitKey: 'k' });
      assert.ok(one.status === 'ready' && two.status === 'ready');
      assert.deepEqual(one.heldOut, two.heldOut);
      assert.deepEqual(one.train, two.train);
    });

    it('assembles the response set: one example per labelled line of therapy, 35 features each', async () => {
      const set = await loadSiteTrainingSet(services(), { task: 'response', asOf: await roundStart() });
      assert.equal(set.status, 'ready');
      if (set.status !== 'ready' || set.train.task !== 'response' || set.heldOut.task !== 'response') return;
      const lines = site.patients.filter((p) => p.biology.id !== breast[1]).flatMap((p) => p.course.lines);
      const examples = [...set.train.examples, ...set.heldOut.examples];
      assert.ok(examples.length > 0.85 * lines.length && examples.length <= lines.length, `${examples.length} of ${lines.length}`);
      assert.ok(examples.every((e) => e.features.length === 35 && (e.label === 0 || e.label === 1)));
      // a patient's lines share a unit and a side of the split
      assert.ok(set.train.examples.some((e, i) => i > 0 && set.train.examples[i - 1]!.unit === e.unit));
    });
  });
}

describe('the keyed split', () => {
  it('holds out close to the requested share of patients and depends on the key', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `patient-${i}`);
    const share = ids.filter((id) => splitPosition(id, 'key-1') < 0.2).length / ids.length;
    assert.ok(Math.abs(share - 0.2) < 0.01, `held out ${share}`); // binomial sd is 0.003
    const moved = ids.filter((id) => splitPosition(id, 'key-1') < 0.2 !== splitPosition(id, 'key-2') < 0.2).length / ids.length;
    assert.ok(moved > 0.25, `${moved}`); // independent splits disagree on 2·0.2·0.8 = 0.32 of patients
  });
});
