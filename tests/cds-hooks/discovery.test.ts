import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { fixture } from '../helpers/fixtures.ts';
import { BASE, buildCdsSite, makeEhr, PV, serviceUrl, type CdsTestSite, type TestEhr } from './cds-test-kit.ts';

/** Discovery and the edge: auth on discovery too, unknown ids, malformed bodies, size and type limits. */
describe('CDS Hooks discovery and request edge', () => {
  let t: CdsTestSite;
  let ehr: TestEhr;
  before(async () => {
    ehr = await makeEhr('ES384');
    t = await buildCdsSite({ ehrs: [ehr], models: false, config: { maxBodyBytes: 4096 } });
  });
  after(() => t.close());

  it('lists the three services with the fields the spec requires', async () => {
    const res = await request(t.app).get('/cds-services').set('authorization', `Bearer ${await ehr.token(`${BASE}/cds-services`)}`);
    assert.equal(res.status, 200);
    const services = res.body.services as Record<string, unknown>[];
    assert.deepEqual(services.map((s) => s.hook), ['patient-view', 'order-select', 'order-sign']);
    // the spec's own discovery example has exactly these keys per service (prefetch and usageRequirements optional)
    const specKeys = new Set(Object.keys((fixture<{ services: Record<string, unknown>[] }>('cds-hooks/spec-discovery-response.json').services[1])!));
    for (const s of services) {
      for (const k of ['hook', 'id', 'description']) assert.equal(typeof s[k], 'string', `${String(s.id)}.${k}`);
      for (const k of Object.keys(s)) assert.ok(specKeys.has(k) || k === 'usageRequirements', `unexpected ${k}`);
      assert.equal((s.prefetch as Record<string, string>).patient, 'Patient/{{context.patientId}}');
      assert.match((s.prefetch as Record<string, string>).observations!, /^Observation\?patient=Patient\/\{\{context\.patientId\}\}$/);
    }
  });

  it('refuses discovery without a token, with an OperationOutcome and WWW-Authenticate', async () => {
    const res = await request(t.app).get('/cds-services');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(res.body.issue[0].code, 'login');
  });

  it('answers 404 for an unknown service id', async () => {
    const res = await request(t.app)
      .post('/cds-services/no-such-service')
      .set('authorization', `Bearer ${await ehr.token(`${BASE}/cds-services/no-such-service`)}`)
      .send({ hook: 'patient-view' });
    assert.equal(res.status, 404);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(res.body.issue[0].code, 'not-found');
  });

  it('answers 400 with an OperationOutcome for a service id that is not valid percent-encoding, before the token, whatever the method', async () => {
    // the fuzzer's paths: express's router throws a URIError (status 400) while matching /:id
    for (const path of ['/%', '/%ZZ', '/%E0%A4%A', '/%E0%A4%A/feedback']) {
      for (const method of ['get', 'post', 'put', 'delete'] as const) {
        const req = request(t.app)[method](`/cds-services${path}`);
        const res = method === 'post' || method === 'put' ? await req.set('content-type', 'application/json').send('{}') : await req;
        assert.equal(res.status, 400, `${method} ${path}`);
        assert.equal(res.body.resourceType, 'OperationOutcome');
        assert.deepEqual(res.body.issue.map((i: { code: string; diagnostics: string }) => [i.code, i.diagnostics]), [['invalid', 'the request path is not valid percent-encoding']]);
      }
    }
    assert.doesNotMatch(t.logText(), /unexpected error/);
  });

  it('answers 400 naming each bad element of a malformed request', async () => {
    const res = await request(t.app)
      .post(`/cds-services/${PV}`)
      .set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`)
      .send({ hook: 'patient-view', hookInstance: 'x', context: { userId: 'Practitioner/1', patientId: 'bad id!' }, fhirAuthorization: { access_token: 't', token_type: 'Bearer', expires_in: 300, scope: '', subject: 's' } });
    assert.equal(res.status, 400);
    const expressions = (res.body.issue as { expression?: string[] }[]).flatMap((i) => i.expression ?? []);
    assert.deepEqual(expressions.sort(), ['fhirServer']);
    const again = await request(t.app)
      .post(`/cds-services/${PV}`)
      .set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`)
      .send({ hook: 'patient-view', hookInstance: 'x', context: { userId: 'Practitioner/1', patientId: 'bad id!' } });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body.issue.map((i: { expression: string[] }) => i.expression[0]), ['context.patientId']);
    assert.match(again.body.issue[0].diagnostics, /FHIR id/);
  });

  it('answers 400 when the hook is not the service’s', async () => {
    const body = { ...fixture('cds-hooks/spec-patient-view-request.json'), hook: 'order-sign' };
    const res = await request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`).send(body);
    assert.equal(res.status, 400);
    assert.equal(res.body.issue[0].expression[0], 'hook');
  });

  it('answers 400 for a body that is not JSON, 413 past the size limit and 415 for another media type', async () => {
    const bad = await request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`).set('content-type', 'application/json').send('{"hook":');
    assert.equal(bad.status, 400);
    assert.match(bad.body.issue[0].diagnostics, /not valid JSON/);
    const big = await request(t.app)
      .post(`/cds-services/${PV}`)
      .set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`)
      .send({ hook: 'patient-view', padding: 'x'.repeat(5000) });
    assert.equal(big.status, 413);
    assert.equal(big.body.resourceType, 'OperationOutcome');
    const text = await request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${await ehr.token(serviceUrl(PV))}`).set('content-type', 'text/plain').send('hello');
    assert.equal(text.status, 415);
  });
});
