import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fixture } from '../helpers/fixtures.ts';
import { buildCdsSite, makeEhr, OSELECT, OSIGN, serviceUrl, type CdsTestSite, type TestEhr } from './cds-test-kit.ts';
import { importPatient, KRAS_CRC, KRAS_CRC_UNSTORED, prefetchOf } from './cohort-patients.ts';

/**
 * order-select / order-sign: cetuximab drafted for a KRAS G12-mutant colorectal cancer meets CIViC
 * resistance evidence (the hand-checked case of tests/therapy/suggest-therapies.test.ts: EIDs 5345,
 * 993, 2207, 6363), whether the record is stored here or supplied by the EHR.
 */
type Card = { uuid: string; summary: string; indicator: string; detail: string; source: { topic: { code: string } }; suggestions: { label: string; actions: { type: string; resourceId: string }[] }[]; selectionBehavior: string; overrideReasons: { code: string; display: string }[]; links: { url: string }[] };

const RX = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const order = (id: string, code: string, display: string, patientId: string) => ({
  resource: { resourceType: 'MedicationRequest', id, status: 'draft', intent: 'order', subject: { reference: `Patient/${patientId}` }, medicationCodeableConcept: { coding: [{ system: RX, code, display }], text: display } },
});
const CETUXIMAB = (p: string) => order('draft-cetuximab', '318341', 'cetuximab 5 MG/ML Injectable Solution', p);
const FOLFIRI = (p: string) => [order('draft-5fu', '4492', 'fluorouracil', p), order('draft-irinotecan', '51499', 'irinotecan', p)];

describe('order-sign and order-select', () => {
  let t: CdsTestSite;
  let ehr: TestEhr;
  const pid = KRAS_CRC.biology.id;
  const call = async (id: string, body: Record<string, unknown>) => request(t.app).post(`/cds-services/${id}`).set('authorization', `Bearer ${await ehr.token(serviceUrl(id))}`).send(body);
  const sign = (patientId: string, entries: unknown[], extra: Record<string, unknown> = {}) =>
    call(OSIGN, { hook: 'order-sign', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/1', patientId, draftOrders: { resourceType: 'Bundle', type: 'collection', entry: entries } }, ...extra });
  const topic = (cards: Card[], code: string) => cards.find((c) => c.source.topic.code === code);

  before(async () => {
    ehr = await makeEhr('ES384');
    t = await buildCdsSite({ ehrs: [ehr], config: { lowResponseThreshold: 0 } });
    await importPatient(t.site, KRAS_CRC);
  });
  after(() => t.close());

  it('warns when cetuximab is signed for a stored KRAS-mutant colorectal cancer', async () => {
    const res = await sign(pid, [CETUXIMAB(pid)]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const card = topic(res.body.cards as Card[], 'resistance');
    assert.ok(card, JSON.stringify(res.body));
    assert.equal(card.indicator, 'warning');
    assert.match(card.summary, /^Resistance evidence: KRAS p\.G1[23][A-Z] vs Cetuximab \(CIViC level A\)$/);
    assert.ok(card.summary.length < 140);
    // EIDs 993 and 5345 (level A, CRC) lead, as in the hand-checked case
    for (const eid of [993, 5345, 2207, 6363]) assert.match(card.detail, new RegExp(`EID ${eid}\\b`), `EID ${eid}`);
    assert.ok(card.links.some((l) => /civicdb\.org/.test(l.url)));
    assert.equal(card.selectionBehavior, 'at-most-one');
    assert.deepEqual(card.suggestions[0]!.actions, [{ type: 'delete', description: 'Remove MedicationRequest/draft-cetuximab', resourceId: 'MedicationRequest/draft-cetuximab' }]);
    assert.ok(card.overrideReasons.length > 0 && card.overrideReasons.every((r) => r.display));
    // threshold 0: the response model never warns here
    assert.equal(topic(res.body.cards as Card[], 'low-response'), undefined);
  });

  it('warns on FOLFIRI + cetuximab too, and on a low predicted response when below the threshold', async () => {
    const strict = await buildCdsSite({ ehrs: [ehr], config: { lowResponseThreshold: 1 } });
    try {
      await importPatient(strict.site, KRAS_CRC);
      const res = await request(strict.app)
        .post(`/cds-services/${OSIGN}`)
        .set('authorization', `Bearer ${await ehr.token(serviceUrl(OSIGN))}`)
        .send({ hook: 'order-sign', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/1', patientId: pid, draftOrders: { resourceType: 'Bundle', entry: [...FOLFIRI(pid), CETUXIMAB(pid)] } } });
      assert.equal(res.status, 200);
      const cards = res.body.cards as Card[];
      assert.ok(topic(cards, 'resistance'), 'cetuximab alone is among the drafted drugs');
      const low = topic(cards, 'low-response');
      assert.ok(low);
      const [summary] = await strict.site.clinical.summaries([pid]);
      const [predictions] = await strict.site.response.predict([{ summary: summary!, therapies: ['folfiri-cetuximab'] }]);
      const p = predictions?.[0];
      assert.match(low.summary, new RegExp(`^Low predicted response to folfiri-cetuximab: ${Math.round(p!.probability * 100)}%`));
      assert.deepEqual(low.suggestions[0]!.actions.map((a) => a.resourceId).sort(), ['MedicationRequest/draft-5fu', 'MedicationRequest/draft-cetuximab', 'MedicationRequest/draft-irinotecan']);
    } finally {
      await strict.close();
    }
  });

  it('order-select checks only the orders just selected', async () => {
    const body = (selections: string[]) => ({
      hook: 'order-select',
      hookInstance: crypto.randomUUID(),
      context: { userId: 'Practitioner/1', patientId: pid, selections, draftOrders: { resourceType: 'Bundle', entry: [...FOLFIRI(pid), CETUXIMAB(pid)] } },
    });
    const chemo = await call(OSELECT, body(['MedicationRequest/draft-5fu']));
    assert.equal(chemo.status, 200);
    assert.deepEqual(chemo.body.cards, []);
    const anti = await call(OSELECT, body(['MedicationRequest/draft-cetuximab']));
    assert.ok(topic(anti.body.cards as Card[], 'resistance'));
  });

  it('computes the warning from the EHR’s record for a patient it does not store', async () => {
    const other = KRAS_CRC_UNSTORED.biology.id;
    assert.equal((await t.site.clinical.summaries([other]))[0], undefined);
    const res = await sign(other, [CETUXIMAB(other)], { prefetch: prefetchOf(KRAS_CRC_UNSTORED) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const card = topic(res.body.cards as Card[], 'resistance');
    assert.ok(card, 'GenomicVariant observations in the record carry the KRAS call');
    assert.match(card.detail, /EID 5345\b/);
  });

  it('answers the spec’s paged order-sign example with no cards and no fetch: nothing anticancer is drafted', async () => {
    const res = await call(OSIGN, fixture('cds-hooks/spec-order-sign-request-paginated-prefetch.json'));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { cards: [] });
    const crd = await call(OSELECT, fixture('cds-hooks/crd-order-select-hook-request.json'));
    assert.equal(crd.status, 200, JSON.stringify(crd.body));
    assert.deepEqual(crd.body, { cards: [] });
    const crdSign = await call(OSIGN, fixture('cds-hooks/crd-order-sign-hook-request.json'));
    assert.equal(crdSign.status, 200);
  });

  it('answers 412 when cetuximab is drafted for a patient whose record cannot be had', async () => {
    const res = await sign('unknown-patient', [CETUXIMAB('unknown-patient')]);
    assert.equal(res.status, 412);
    assert.equal(res.body.resourceType, 'OperationOutcome');
  });
});
