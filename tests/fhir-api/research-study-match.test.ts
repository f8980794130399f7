import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, ResearchStudy } from '@medplum/fhirtypes';
import request from 'supertest';
import type { Database } from '../../src/storage/port.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { buildTestApp, gql, bearer } from '../helpers/app.ts';
import { fixture } from '../helpers/fixtures.ts';
import { stageTwoPatient01 } from '../trials/helpers.ts';

const P1 = 'trial-matching/TrialMatching_Patient01.json';
const REGISTER = `mutation($rs: JSON, $el: JSON) { registerTrial(researchStudy: $rs, eligibility: $el) { id title status } }`;
const MATCHING = `query($id: ID!) { patient(id: $id) { matchingTrials(includeNotEligible: true) { trial { id } status overall criteria { text result exclusion } } } }`;

describe('trials through the API', () => {
  let db: Database;
  let site: ReturnType<typeof buildTestApp>;
  before(async () => {
    db = await openDatabase({});
    site = buildTestApp(db);
    const res = await gql(site, REGISTER, { rs: fixture('trial-matching/ctms-researchstudy-NCT02513394.json'), el: fixture('trial-matching/NCT02513394.eligibility.json') }, { role: 'trial-matcher' });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.registerTrial.id, 'NCT02513394');
  });
  after(() => db.close());

  it('POST /fhir/ResearchStudy/$match answers a searchset with PALLAS for the stage II patient, and stores nothing', async () => {
    const res = await request(site.app).post('/fhir/ResearchStudy/$match').set('authorization', await bearer(site)).set('Content-Type', 'application/fhir+json').send(stageTwoPatient01());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const out = res.body as Bundle<ResearchStudy>;
    assert.equal(out.type, 'searchset');
    const entry = out.entry?.find((e) => e.resource?.identifier?.some((i) => i.value === 'NCT02513394'));
    assert.equal(entry?.search?.mode, 'match');
    assert.equal((await site.clinical.listPatients(10)).totalCount, 0);
  });

  it('answers a bad body with an OperationOutcome', async () => {
    const res = await request(site.app).post('/fhir/ResearchStudy/$match').set('authorization', await bearer(site)).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Bundle', type: 'collection', entry: 'not a list' });
    assert.ok(res.status >= 400 && res.status < 500);
    assert.equal(res.body.resourceType, 'OperationOutcome');
  });

  it('patient.matchingTrials: the stored stage IV Patient01 is not eligible, with the criterion that says so', async () => {
    await site.clinical.importBundle(fixture(P1), 'test');
    const res = await gql(site, MATCHING, { id: 'mCODETrialMatchingPatientExample01' });
    assert.equal(res.status, 200, JSON.stringify(res.body.errors));
    const [match] = res.body.data.patient.matchingTrials;
    assert.equal(match.trial.id, 'NCT02513394');
    assert.equal(match.status, 'NOT_ELIGIBLE');
    assert.ok(match.criteria.some((c: { result: string; exclusion: boolean }) => (c.exclusion ? c.result === 'MET' : c.result === 'NOT_MET')));
  });
});
