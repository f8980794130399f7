import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import type { Bundle } from '@medplum/fhirtypes';
import { seedBundle, startFhirServer, type FhirTestServer } from '../helpers/fhir-server.ts';
import { fixture } from '../helpers/fixtures.ts';
import { BASE, buildCdsSite, makeEhr, PV, serviceUrl, type CdsTestSite, type TestEhr } from './cds-test-kit.ts';
import { BREAST, EGFR_LUNG, EGFR_TRIAL, importPatient } from './cohort-patients.ts';

/**
 * patient-view through the router: stored patients answered from the site (their VCF calls), a
 * patient the site does not store answered from a real FHIR server (Medplum's router over a
 * MemoryRepository, paging by 3), the spec's example request, and 412 when the record cannot be had.
 */
type Card = { uuid: string; summary: string; indicator: string; detail?: string; source: { label: string; topic?: { code: string } }; suggestions?: { uuid: string; label: string; actions: { type: string; resource: any }[] }[]; selectionBehavior?: string; links?: { url: string; type: string }[] };

const SPEC_FHIR = 'http://hooks.smarthealthit.org:9080';
const TRIAL_PATIENT = 'mCODETrialMatchingPatientExample01';

describe('patient-view', () => {
  let t: CdsTestSite;
  let ehr: TestEhr;
  let fhir: FhirTestServer;
  const specCalls: { url: string; authorization: string | null }[] = [];

  // the spec example's fhirServer, played by a function: it knows Patient 1288992 and nothing else
  const specServer = async (url: string, init?: RequestInit): Promise<Response> => {
    specCalls.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    const path = url.slice(SPEC_FHIR.length + 1);
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/fhir+json' } });
    if (path === 'Patient/1288992') return json({ resourceType: 'Patient', id: '1288992', gender: 'male', birthDate: '1925-12-23' });
    return json({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  };

  const call = async (body: Record<string, unknown>) =>
    request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`).send(body);
  const hookBody = (patientId: string, extra: Record<string, unknown> = {}) => ({
    hook: 'patient-view',
    hookInstance: crypto.randomUUID(),
    context: { userId: 'Practitioner/example', patientId },
    ...extra,
  });
  const byTopic = (cards: Card[], code: string) => cards.find((c) => c.source.topic?.code === code);

  before(async () => {
    ehr = await makeEhr('RS384');
    fhir = await startFhirServer({ defaultCount: 3 });
    await seedBundle(fhir.repo, fixture('fhir/TrialMatching_Patient01.json'));
    t = await buildCdsSite({
      ehrs: [ehr],
      config: { smartAppUrl: 'https://sangam.test/launch' },
      fhirFetch: (input, init) => {
        const url = String(input);
        return url.startsWith(SPEC_FHIR) ? specServer(url, init) : fetch(input, init);
      },
    });
    for (const p of [EGFR_LUNG, BREAST]) await importPatient(t.site, p);
    await t.site.trials.registerTrial({ eligibility: EGFR_TRIAL });
    await t.site.trials.registerTrial({ researchStudy: fixture('trial-matching/ctms-researchstudy-NCT02513394.json'), eligibility: fixture('trial-matching/NCT02513394.eligibility.json') });
  });
  after(async () => {
    await t.close();
    await fhir.close();
  });

  it('gives a stored EGFR L858R lung cancer its therapy options and trial from the site, reading nothing from the EHR', async () => {
    const before = fhir.requests.length;
    const res = await call(hookBody(EGFR_LUNG.biology.id, { fhirServer: fhir.baseUrl }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const cards = res.body.cards as Card[];
    assert.equal(fhir.requests.length, before, 'a stored patient needs no EHR data');
    const therapy = byTopic(cards, 'therapy');
    assert.ok(therapy, JSON.stringify(cards.map((c) => c.summary)));
    // the hand-checked case of tests/therapy: osimertinib at Tier I on CIViC EID 11219 (level A)
    assert.match(therapy.summary, /Tier I, level A/);
    const osimertinib = therapy.suggestions?.find((s) => s.label === 'Draft Osimertinib');
    assert.ok(osimertinib, therapy.suggestions?.map((s) => s.label).join(', '));
    assert.equal(therapy.selectionBehavior, 'at-most-one');
    const order = osimertinib.actions[0]!;
    assert.equal(order.type, 'create');
    assert.deepEqual(order.resource.medicationCodeableConcept.coding, [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1721560', display: 'osimertinib' }]);
    assert.deepEqual([order.resource.status, order.resource.intent, order.resource.subject.reference], ['draft', 'proposal', `Patient/${EGFR_LUNG.biology.id}`]);
    assert.match(therapy.detail ?? '', /EID 11219/);
    assert.ok(therapy.links?.some((l) => l.type === 'smart' && l.url === 'https://sangam.test/launch'));
    const trials = byTopic(cards, 'trials');
    assert.ok(trials && /LOCAL-EGFR-1 \(eligible\)/.test(trials.summary), trials?.summary);
    // a lung cancer is outside the prognosis model's intended use (breast)
    assert.equal(byTopic(cards, 'prognosis'), undefined);
    for (const c of cards) {
      assert.ok(c.summary.length < 140, c.summary);
      assert.match(c.uuid, /^[0-9a-f-]{36}$/);
      assert.ok(c.source.label);
      assert.ok(['info', 'warning', 'critical'].includes(c.indicator));
    }
    const stored = await t.db.query<{ kind: string; patient_id: string; stored_record: boolean }>('SELECT kind, patient_id, stored_record FROM cds_card WHERE card_uuid = $1', [therapy.uuid]);
    assert.deepEqual(stored.rows, [{ kind: 'therapy', patient_id: EGFR_LUNG.biology.id, stored_record: true }]);
  });

  it('gives a stored breast cancer a prognosis card from the Cox model', async () => {
    const res = await call(hookBody(BREAST.biology.id));
    assert.equal(res.status, 200);
    const card = byTopic(res.body.cards as Card[], 'prognosis');
    assert.ok(card);
    const [summary] = await t.site.clinical.summaries([BREAST.biology.id]);
    const [p] = await t.site.prognosis.predict([summary]);
    assert.ok(p);
    const expected = p.medianSurvivalDays !== null ? `about ${(p.medianSurvivalDays / 365.25).toFixed(1)} years` : '-year survival';
    assert.ok(card.summary.includes(expected) && card.summary.includes('prognosis-brca@1'), card.summary);
    assert.equal(card.indicator, 'info');
  });

  it('answers the spec’s example request from its fhirServer with the bearer token, ignoring unknown prefetch keys', async () => {
    const body = fixture('cds-hooks/spec-patient-view-request.json');
    specCalls.length = 0;
    const res = await call(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // a Patient with no cancer: nothing to say
    assert.deepEqual(res.body, { cards: [] });
    assert.deepEqual(specCalls.map((c) => c.url.slice(SPEC_FHIR.length + 1)).sort(), [
      'Condition?patient=Patient/1288992',
      'MedicationRequest?patient=Patient/1288992',
      'Observation?patient=Patient/1288992',
      'Patient/1288992',
    ]);
    assert.ok(specCalls.every((c) => c.authorization === 'Bearer some-opaque-fhir-access-token'));
  });

  it('reads a patient it does not store from fhirServer when the prefetch is null for the Patient, following every page', async () => {
    const before = fhir.requests.length;
    const res = await call(hookBody(TRIAL_PATIENT, {
      fhirServer: fhir.baseUrl,
      fhirAuthorization: { access_token: 'tok-123', token_type: 'Bearer', expires_in: 300, scope: 'user/*.rs', subject: 'sangam' },
      prefetch: { patient: null },
    }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const got = fhir.requests.slice(before);
    assert.ok(got.some((r) => r.path === `Patient/${TRIAL_PATIENT}`), 'the null Patient is read from fhirServer');
    // 8 Observations at 3 a page: the first page and the next links at offsets 3 and 6
    const obsOffsets = got.filter((r) => r.path === 'Observation').map((r) => r.query.get('_offset') ?? '0');
    assert.deepEqual(obsOffsets, ['0', '3', '6']);
    assert.ok(got.every((r) => r.authorization === 'Bearer tok-123'));
    const cards = res.body.cards as Card[];
    // a breast cancer (ER+, stage from the record): the prognosis model applies to the supplied record
    assert.ok(byTopic(cards, 'prognosis'), JSON.stringify(cards.map((c) => c.summary)));
    // nothing of the supplied record is kept
    const kept = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM fhir_resource WHERE id = $1", [TRIAL_PATIENT]);
    assert.equal(kept.rows[0]?.n, 0);
  });

  it('takes a null search prefetch as "no data" and does not fetch it', async () => {
    const before = fhir.requests.length;
    const res = await call(hookBody(TRIAL_PATIENT, { fhirServer: fhir.baseUrl, prefetch: { conditions: null } }));
    assert.equal(res.status, 200);
    const paths = fhir.requests.slice(before).map((r) => r.path);
    assert.ok(!paths.includes('Condition'), paths.join(','));
    assert.ok(paths.includes('Observation'));
    // without a Condition no cancer is known, so no prognosis
    assert.equal(byTopic(res.body.cards as Card[], 'prognosis'), undefined);
  });

  it('follows the next link of a paged prefetch Bundle through fhirServer', async () => {
    const first = (await (await fetch(`${fhir.baseUrl}/Observation?patient=Patient/${TRIAL_PATIENT}`)).json()) as Bundle;
    assert.ok(first.link?.some((l) => l.relation === 'next'));
    const before = fhir.requests.length;
    const res = await call(hookBody(TRIAL_PATIENT, { fhirServer: fhir.baseUrl, prefetch: { observations: first } }));
    assert.equal(res.status, 200);
    const obs = fhir.requests.slice(before).filter((r) => r.path === 'Observation').map((r) => r.query.get('_offset'));
    assert.deepEqual(obs, ['3', '6'], 'only the remaining pages are read');
    assert.ok(byTopic(res.body.cards as Card[], 'prognosis'));
  });

  it('answers 400 naming the entry for a prefetch searchset with a null entry (the fuzzer’s `prefetch.conditions.entry: [null]`)', async () => {
    const res = await call(hookBody(TRIAL_PATIENT, { fhirServer: fhir.baseUrl, prefetch: { conditions: { resourceType: 'Bundle', type: 'searchset', entry: [null] } } }));
    assert.equal(res.status, 400);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.deepEqual(res.body.issue.map((i: { code: string; expression: string[] }) => [i.code, i.expression[0]]), [['invalid', 'prefetch.conditions.entry[0]']]);
    assert.doesNotMatch(t.logText(), /unexpected error/);
  });

  it('answers 412 with an OperationOutcome when the record is neither prefetched nor on a fhirServer', async () => {
    const res = await call(hookBody('not-stored-anywhere'));
    assert.equal(res.status, 412);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    // the same shape as the spec's 412 example: severity error, code processing, an expression at the missing key
    const spec = fixture<{ issue: { severity: string; code: string }[] }>('cds-hooks/spec-412-operationoutcome.json');
    assert.deepEqual([res.body.issue[0].severity, res.body.issue[0].code], [spec.issue[0]!.severity, spec.issue[0]!.code]);
    assert.match(res.body.issue[0].expression[0], /^prefetch\.(patient|conditions|observations|medications)$/);
    // a fhirServer that refuses the token is no better
    const refused = await call(hookBody('not-stored-anywhere', { fhirServer: `${BASE}/nowhere` }));
    assert.equal(refused.status, 412);
    // and a Patient the server does not have
    const missing = await call(hookBody('not-stored-anywhere', { fhirServer: fhir.baseUrl }));
    assert.equal(missing.status, 412);
    assert.deepEqual(missing.body.issue[0].expression, ['prefetch.patient']);
  });

  it('logs resource ids only: no names, birth dates or tokens', async () => {
    const text = t.logText();
    assert.ok(text.includes(TRIAL_PATIENT), 'the patient id is logged');
    for (const phi of ['TrialMatching"', '1959-01-01', '1925-12-23', 'tok-123', 'some-opaque-fhir-access-token', EGFR_LUNG.biology.birthDate ?? 'never']) {
      assert.ok(!text.includes(phi), `log holds ${phi}`);
    }
  });
});
