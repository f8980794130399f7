import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Bundle, MedicationStatement, Observation, Patient } from '@medplum/fhirtypes';
import { isDomainError } from '../../src/errors/domain-error.ts';
import { responseOutcomes, survivalOutcome } from '../../src/federation/site-data/outcome-labels.ts';
import { loadSiteTrainingSet } from '../../src/federation/site-data/training-set.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { FOLLOWED_SUGGESTION_URL, readOutcomes, readPatientOutcomes, recordOutcome, type OutcomeServices } from '../../src/outcomes/index.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabases } from '../helpers/databases.ts';

const PATIENT = 'outcome-pt-1';
const NAME = 'Ottilie Quarrington';
const ASOF = new Date('2025-06-01T12:00:00Z');

/** A breast-cancer patient diagnosed on 2023-11-20, alive in the record. */
function patientBundle(id: string, withCancer = true): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource: { resourceType: 'Patient', id, gender: 'female', birthDate: '1960-03-15', deceasedBoolean: false, name: [{ family: NAME.split(' ')[1]!, given: [NAME.split(' ')[0]!] }] },
        request: { method: 'PUT', url: `Patient/${id}` },
      },
      ...(withCancer
        ? [
            {
              resource: {
                resourceType: 'Condition' as const,
                id: `${id}-cancer`,
                subject: { reference: `Patient/${id}` },
                code: { coding: [{ system: 'http://snomed.info/sct', code: '254837009', display: 'Malignant neoplasm of breast' }] },
                onsetDateTime: '2023-11-20',
              },
              request: { method: 'PUT' as const, url: `Condition/${id}-cancer` },
            },
          ]
        : []),
    ],
  };
}

const LINE_1 = {
  patientId: PATIENT,
  therapy: { regimen: 'letrozole' },
  line: 1,
  startDate: '2024-01-10',
  bestResponse: { category: 'PR', date: '2024-04-10' },
  progressionDate: '2024-09-02',
  lastFollowUp: '2024-12-01',
  followedSuggestion: { therapy: 'Letrozole', tier: 'I', modelVersion: 'response-synthetic@1' },
};
const LINE_2 = {
  patientId: PATIENT,
  therapy: { rxnorm: ['72965', '1601377'] },
  line: 2,
  startDate: '2024-09-10',
  bestResponse: { category: 'SD', date: '2024-11-20' },
  death: { date: '2025-01-15' },
  followedSuggestion: null,
};

async function rejected(p: Promise<unknown>): Promise<{ code: string; issues: string[] }> {
  try {
    await p;
  } catch (err) {
    assert.ok(isDomainError(err), String(err));
    return { code: err.code, issues: err.issues.map((i) => `${i.expression}: ${i.message}`) };
  }
  assert.fail('the outcome was accepted');
}

for (const target of testDatabases()) {
  describe(`recording outcomes on ${target.name}`, () => {
    let db: Database;
    let app: ReturnType<typeof buildTestApp>;
    let services: OutcomeServices;
    const logs: string[] = [];
    const summary = async () => (await app.clinical.summaries([PATIENT]))[0]!.summary;
    const counts = async () => JSON.stringify(await app.clinical.resourceCounts(PATIENT));

    before(async () => {
      db = await target.open();
      app = buildTestApp(db);
      const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }) });
      services = { db, clinical: app.clinical, logger, now: () => ASOF };
      await app.clinical.importBundle(patientBundle(PATIENT), 'test');
      await app.clinical.importBundle(patientBundle('outcome-no-cancer', false), 'test');
    });
    after(async () => {
      await app.pathology.close();
      await db.close();
    });

    it('records a line: the summary shows the therapy and statuses, and site-data reads back its response label and survival', async () => {
      const result = await recordOutcome(services, LINE_1);
      // Jan 10 → Sep 2 2024 is 236 days, → Dec 1 is 326 (2024 is a leap year)
      assert.deepEqual({ pfs: result.pfs, os: result.os, label: result.responseLabel, regimen: result.regimen }, { pfs: { days: 236, event: 1 }, os: { days: 326, event: 0 }, label: 1, regimen: 'letrozole' });
      assert.deepEqual(result.warnings, []);
      const s = await summary();
      const med = s.medications.find((m) => m.line === 1);
      assert.equal(med?.start, '2024-01-10');
      assert.deepEqual(med?.codes.map((c) => c.code), ['72965']);
      assert.deepEqual(s.diseaseStatus.map((d) => `${d.date} ${d.trend} ${d.code.code}`), ['2024-04-10 improved 268910001', '2024-09-02 worsened 271299001', '2024-12-01 undetermined 709137006']);
      assert.deepEqual(responseOutcomes(s), [{ line: 1, regimen: 'letrozole', label: 1 }]);
      // diagnosis 2023-11-20 → last contact 2024-12-01 is 377 days
      assert.deepEqual(survivalOutcome(s, ASOF), { time: 377, event: 0 });

      const statement = (await app.clinical.resources(PATIENT, 'MedicationStatement'))[0]!.content as MedicationStatement;
      const followed = statement.extension?.find((e) => e.url === FOLLOWED_SUGGESTION_URL)?.extension?.map((e) => `${e.url}=${e.valueBoolean ?? e.valueString ?? e.valueCode}`);
      assert.deepEqual(followed, ['followed=true', 'therapy=Letrozole', 'tier=I', 'modelVersion=response-synthetic@1']);
      assert.equal(statement.reasonReference?.[0]?.reference, `Condition/${PATIENT}-cancer`);
      const response = (await app.clinical.resources(PATIENT, 'Observation')).map((r) => r.content as Observation).find((o) => o.id?.endsWith('-response'))!;
      assert.equal(response.code.coding?.[0]?.code, '97509-4');
      assert.equal(response.valueCodeableConcept?.text, 'RECIST 1.1 partial response (PR)');
      assert.equal(response.focus?.[0]?.reference, `Condition/${PATIENT}-cancer`);

      const [row] = await readPatientOutcomes(db, PATIENT);
      assert.deepEqual(
        { line: row?.line, rxnorm: row?.rxnorm, start: row?.startDate, response: row?.bestResponse, progression: row?.progressionDate, followed: row?.followedSuggestion, label: row?.responseLabel },
        { line: 1, rxnorm: ['72965'], start: '2024-01-10', response: { category: 'PR', date: '2024-04-10' }, progression: '2024-09-02', followed: { therapy: 'Letrozole', tier: 'I', modelVersion: 'response-synthetic@1' }, label: 1 },
      );
    });

    it('rejects an impossible timeline with located issues and stores nothing', async () => {
      const before = await counts();
      const r = await rejected(recordOutcome(services, { ...LINE_2, progressionDate: '2024-08-01', death: { date: '2025-07-01' } }));
      assert.equal(r.code, 'BAD_INPUT');
      // death in the future; progression before the start; an SD best response after progression
      assert.deepEqual(r.issues.map((i) => i.split(':')[0]), ['death.date', 'progressionDate', 'bestResponse.date']);
      assert.equal(await counts(), before);
      assert.equal((await readPatientOutcomes(db, PATIENT)).length, 1);
    });

    it("rolls the whole record back when a death would precede another line's follow-up", async () => {
      const before = await counts();
      const r = await rejected(recordOutcome(services, { ...LINE_2, death: { date: '2024-11-25' } }));
      assert.deepEqual(r.issues, ['death.date: line 1 was last followed up on 2024-12-01, after death on 2024-11-25']);
      assert.equal(await counts(), before);
      assert.equal((await summary()).deceased?.value, false);
      assert.equal((await readPatientOutcomes(db, PATIENT)).length, 1);
    });

    it("records a death with the next line: Patient.deceasedDateTime, and every line's OS becomes an event", async () => {
      const result = await recordOutcome(services, LINE_2);
      assert.equal(result.regimen, 'letrozole-palbociclib');
      assert.deepEqual(result.pfs, { days: 127, event: 1 }); // Sep 10 2024 → death Jan 15 2025, no progression
      const patient = (await app.clinical.resource('Patient', PATIENT))!.content as Patient;
      assert.equal(patient.deceasedDateTime, '2025-01-15');
      assert.equal(patient.deceasedBoolean, undefined);
      assert.equal(patient.name?.[0]?.family, 'Quarrington'); // the rest of the Patient is kept
      const s = await summary();
      assert.deepEqual(survivalOutcome(s, ASOF), { time: 422, event: 1 }); // 2023-11-20 → 2025-01-15
      assert.deepEqual(responseOutcomes(s), [
        { line: 1, regimen: 'letrozole', label: 1 },
        { line: 2, regimen: 'letrozole-palbociclib', label: 0 },
      ]);
      const rows = await readPatientOutcomes(db, PATIENT);
      assert.deepEqual(rows.map((r) => [r.line, r.pfs, r.os]), [
        [1, { days: 236, event: 1 }, { days: 371, event: 1 }], // Jan 10 2024 → Jan 15 2025
        [2, { days: 127, event: 1 }, { days: 127, event: 1 }],
      ]);
      assert.equal(rows[1]?.followedSuggestion, null);
      // the next round's local data: both lines as response examples, the death as a survival event
      const siteData = { clinical: app.clinical, consent: { excludedPatients: async () => new Set<string>() } };
      const response = await loadSiteTrainingSet(siteData, { task: 'response', asOf: ASOF, heldOutFraction: 0 });
      assert.ok(response.status === 'ready' && response.train.task === 'response');
      assert.deepEqual(response.train.examples.map((e) => e.label), [1, 0]);
      const prognosis = await loadSiteTrainingSet(siteData, { task: 'prognosis-brca', asOf: ASOF, heldOutFraction: 0 });
      assert.ok(prognosis.status === 'ready' && prognosis.train.task === 'prognosis');
      assert.deepEqual(prognosis.train.examples.map((e) => [e.time, e.event]), [[422, 1]]);
      const statement = (await app.clinical.resources(PATIENT, 'MedicationStatement')).map((r) => r.content as MedicationStatement).find((m) => m.extension?.some((e) => e.valuePositiveInt === 2));
      assert.deepEqual(statement?.extension?.find((e) => e.url === FOLLOWED_SUGGESTION_URL)?.extension, [{ url: 'followed', valueBoolean: false }]);
      // the site's label rows, a page at a time
      const first = await readOutcomes(db, { first: 1 });
      assert.deepEqual(first.map((r) => [r.patientId, r.line]), [[PATIENT, 1]]);
      const next = await readOutcomes(db, { first: 5, after: { patientId: PATIENT, line: 1 } });
      assert.deepEqual(next.map((r) => [r.patientId, r.line, r.responseLabel]), [[PATIENT, 2, 0]]);
    });

    it('recording a line again replaces it: a progression taken back is withdrawn from the record and from PFS', async () => {
      const { progressionDate: _dropped, ...corrected } = LINE_1;
      const result = await recordOutcome(services, corrected);
      assert.deepEqual(result.pfs, { days: 244, event: 0 }); // censored when line 2 began, Sep 10
      const withdrawn = result.resources.filter((r) => r.id.endsWith('-progression'));
      assert.equal(withdrawn.length, 1);
      const stored = (await app.clinical.resource('Observation', withdrawn[0]!.id))!.content as Observation;
      assert.equal(stored.status, 'entered-in-error');
      assert.ok(!(await summary()).diseaseStatus.some((d) => d.trend === 'worsened'));
      assert.ok(result.resources.filter((r) => r.resourceType === 'MedicationStatement').every((r) => r.outcome === 'unchanged'));
      const rows = await readPatientOutcomes(db, PATIENT);
      assert.equal(rows[0]?.progressionDate, undefined);
      assert.ok(!rows[0]?.resourceIds.some((id) => id.endsWith('-progression')));
    });

    it('refuses events after the recorded death, a line the record holds with other drugs, and patients without a cancer or a record', async () => {
      const late = await rejected(recordOutcome(services, { patientId: PATIENT, therapy: { regimen: 'docetaxel' }, line: 3, startDate: '2025-02-01' }));
      assert.deepEqual(late.issues, ["startDate: the therapy start on 2025-02-01 is after the death in the patient's record on 2025-01-15"]);
      await app.clinical.importBundle(
        {
          resourceType: 'MedicationRequest',
          id: `${PATIENT}-ehr-line3`,
          status: 'completed',
          intent: 'order',
          subject: { reference: `Patient/${PATIENT}` },
          medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '72962', display: 'docetaxel' }] },
          reasonReference: [{ reference: `Condition/${PATIENT}-cancer` }],
          extension: [{ url: 'http://sangam.example.org/fhir/StructureDefinition/line-of-therapy', valuePositiveInt: 3 }],
          authoredOn: '2024-12-20',
        },
        'test',
      );
      const conflict = await rejected(recordOutcome(services, { patientId: PATIENT, therapy: { regimen: 'letrozole' }, line: 3, startDate: '2024-12-20' }));
      assert.deepEqual(conflict.issues, ['line: line 3 in the record also holds RxNorm 72962, which this therapy does not include']);
      const noCancer = await rejected(recordOutcome(services, { ...LINE_1, patientId: 'outcome-no-cancer' }));
      assert.match(noCancer.issues[0]!, /^patientId: the patient's record has no primary cancer condition/);
      assert.equal((await rejected(recordOutcome(services, { ...LINE_1, patientId: 'nobody-here' }))).code, 'NOT_FOUND');
    });

    it('logs resource ids and counts only: no name, birth date or clinical dates', () => {
      const text = logs.join('');
      assert.ok(text.includes('outcome recorded'));
      for (const phi of ['Quarrington', 'Ottilie', '1960-03-15', '2025-01-15', '2024-04-10']) assert.ok(!text.includes(phi), `${phi} in the log`);
    });
  });
}
