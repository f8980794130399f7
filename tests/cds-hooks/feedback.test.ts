import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { readCdsFeedbackLabels } from '../../src/cds-hooks/cds-store.ts';
import { testDatabases } from '../helpers/databases.ts';
import { fixture } from '../helpers/fixtures.ts';
import { BASE, buildCdsSite, makeEhr, PV, serviceUrl, type CdsTestSite, type TestEhr } from './cds-test-kit.ts';
import { EGFR_LUNG, EGFR_TRIAL, importPatient } from './cohort-patients.ts';

/** Feedback stored as outcome labels and read back the way the training side reads them. */
describe('CDS Hooks feedback', () => {
  let t: CdsTestSite;
  let ehr: TestEhr;
  const feedbackUrl = `${serviceUrl(PV)}/feedback`;
  const send = async (body: unknown, aud = feedbackUrl) => request(t.app).post(`/cds-services/${PV}/feedback`).set('authorization', `Bearer ${await ehr.token(aud)}`).send(body as object);

  before(async () => {
    ehr = await makeEhr('ES384');
    t = await buildCdsSite({ ehrs: [ehr] });
    await importPatient(t.site, EGFR_LUNG);
    await t.site.trials.registerTrial({ eligibility: EGFR_TRIAL });
  });
  after(() => t.close());

  it('stores the spec’s feedback examples; cards it never issued read back without a patient', async () => {
    assert.equal((await send(fixture('cds-hooks/spec-feedback-accepted.json'))).status, 200);
    // aud may also be the service URL
    assert.equal((await send(fixture('cds-hooks/spec-feedback-overridden-with-reason.json'), serviceUrl(PV))).status, 200);
    const labels = await readCdsFeedbackLabels(t.db);
    assert.deepEqual(
      labels.map((l) => [l.cardUuid, l.outcome, l.outcomeTimestamp, l.patientId, l.acceptedSuggestions.map((s) => s.uuid), l.overrideReason?.code ?? null, l.overrideComment, l.reportedBy]),
      [
        ['9368d37b-283f-44a0-93ea-547cebab93ed', 'overridden', '2020-12-11T00:00:00.000Z', null, [], 'd7ecf885', 'A comment entered by the clinician.', ehr.iss],
        ['4e0a3a1e-3283-4575-ab82-028d55fe2719', 'accepted', '2021-12-11T10:05:31.000Z', null, ['e56e1945-20b3-4393-8503-a1a20fd73152'], null, null, ehr.iss],
      ],
    );
    // a re-sent item is stored once
    assert.equal((await send(fixture('cds-hooks/spec-feedback-accepted.json'))).status, 200);
    assert.equal((await readCdsFeedbackLabels(t.db)).length, 2);
  });

  it('turns an accepted therapy suggestion into a label naming the patient and the regimen', async () => {
    const view = await request(t.app)
      .post(`/cds-services/${PV}`)
      .set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`)
      .send({ hook: 'patient-view', hookInstance: 'hi-1', context: { userId: 'Practitioner/1', patientId: EGFR_LUNG.biology.id } });
    const card = (view.body.cards as { uuid: string; source: { topic: { code: string } }; suggestions: { uuid: string; label: string }[] }[]).find((c) => c.source.topic.code === 'therapy')!;
    const chosen = card.suggestions.find((s) => s.label === 'Draft Osimertinib')!;
    const res = await send({ feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: chosen.uuid }], outcomeTimestamp: '2026-03-01T09:00:00Z' }] });
    assert.equal(res.status, 200);
    const trialsCard = (view.body.cards as { uuid: string; source: { topic: { code: string } } }[]).find((c) => c.source.topic.code === 'trials')!;
    await send({ feedback: [{ card: trialsCard.uuid, outcome: 'overridden', overrideReason: { reason: { system: 'https://example.org/r', code: 'not-interested', display: 'Patient not interested' } }, outcomeTimestamp: '2026-03-01T09:01:00Z' }] });

    const labels = await readCdsFeedbackLabels(t.db, { patientId: EGFR_LUNG.biology.id });
    assert.deepEqual(labels.map((l) => [l.kind, l.outcome, l.hookInstance, l.storedRecord]), [['therapy', 'accepted', 'hi-1', true], ['trials', 'overridden', 'hi-1', true]]);
    assert.deepEqual(labels[0]!.acceptedSuggestions, [{ uuid: chosen.uuid, label: 'Draft Osimertinib', therapy: 'Osimertinib', drugs: ['osimertinib'] }]);
    assert.match(String(labels[0]!.provenance?.knowledgeBase), /^civic-/);
    assert.equal(labels[1]!.overrideReason?.display, 'Patient not interested');
    assert.deepEqual((await readCdsFeedbackLabels(t.db, { kind: 'therapy' })).map((l) => l.cardUuid), [card.uuid]);
    assert.equal((await readCdsFeedbackLabels(t.db, { since: '2026-03-01T09:00:30Z' })).length, 1);
  });

  it('answers 400 for malformed feedback, naming the element', async () => {
    const res = await send({ feedback: [{ card: 'x', outcome: 'ignored', outcomeTimestamp: 'yesterday' }] });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.issue.map((i: { expression: string[] }) => i.expression[0]).sort(), ['feedback.0.outcome', 'feedback.0.outcomeTimestamp']);
    assert.equal((await send({ feedback: [] })).status, 400);
    // and 404 for feedback to a service that does not exist
    const unknown = await request(t.app).post('/cds-services/nope/feedback').set('authorization', `Bearer ${await ehr.token(`${BASE}/cds-services/nope/feedback`)}`).send({ feedback: [] });
    assert.equal(unknown.status, 404);
  });
});

for (const target of testDatabases()) {
  /** Text that text and jsonb columns cannot hold is refused at the edge, not by a failed insert. */
  describe(`CDS Hooks feedback text on ${target.name}`, () => {
    let t: CdsTestSite;
    let ehr: TestEhr;
    const feedbackUrl = `${serviceUrl(PV)}/feedback`;
    const send = async (body: unknown) => request(t.app).post(`/cds-services/${PV}/feedback`).set('authorization', `Bearer ${await ehr.token(feedbackUrl)}`).send(body as object);
    const overridden = (overrideReason: unknown) => ({ feedback: [{ card: '9368d37b-283f-44a0-93ea-547cebab93ed', outcome: 'overridden', overrideReason, outcomeTimestamp: '2026-03-01T09:00:00Z' }] });

    before(async () => {
      ehr = await makeEhr('ES384');
      t = await buildCdsSite({ ehrs: [ehr], models: false, openDb: target.open });
    });
    after(() => t.close());

    it('answers 400 naming the field for a NUL character (the fuzzer’s userComment "\\u0000") and stores nothing', async () => {
      const res = await send(overridden({ userComment: '\u0000' }));
      assert.equal(res.status, 400);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.deepEqual(res.body.issue.map((i: { expression: string[]; diagnostics: string }) => [i.expression[0], i.diagnostics]), [
        ['feedback.0.overrideReason.userComment', 'malformed CDS Hooks feedback: feedback.0.overrideReason.userComment: must not contain a NUL character'],
      ]);
      const card = await send({ feedback: [{ card: 'a\u0000b', outcome: 'accepted', outcomeTimestamp: '2026-03-01T09:00:00Z' }] });
      assert.deepEqual(card.body.issue.map((i: { expression: string[] }) => i.expression[0]), ['feedback.0.card']);
      // the reason Coding is stored whole as jsonb, so its other elements are checked too
      const lone = await send(overridden({ reason: { system: 'https://example.org/r', code: 'x', extension: [{ valueString: 'half \ud83d' }] } }));
      assert.equal(lone.status, 400);
      assert.deepEqual(lone.body.issue.map((i: { expression: string[]; diagnostics: string }) => [i.expression[0], i.diagnostics.split(': ').at(-1)]), [
        ['feedback.0.overrideReason.reason.extension.0.valueString', 'must not contain an unpaired UTF-16 surrogate'],
      ]);
      assert.equal((await readCdsFeedbackLabels(t.db)).length, 0);
    });

    it('still stores text with paired surrogates and other control characters', async () => {
      const res = await send(overridden({ reason: { code: 'x', display: 'not now 😀' }, userComment: 'line one\nline two\t😀' }));
      assert.equal(res.status, 200);
      const [label] = await readCdsFeedbackLabels(t.db);
      assert.equal(label?.overrideComment, 'line one\nline two\t😀');
      assert.equal(label?.overrideReason?.display, 'not now 😀');
    });
  });
}
