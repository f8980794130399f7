import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { assertPatientAccess, patientOfResource } from '../../src/auth/authorize.ts';
import { mintLocalToken, type LocalTokenOptions } from '../../src/auth/local-token.ts';
import { authenticate, bearerTokenOf, principalFromRequest, principalOf, requireAuth } from '../../src/auth/require-auth.ts';
import { requirements } from '../../src/auth/requirements.ts';
import { loadOrCreateSiteKey, type SiteKey } from '../../src/auth/site-key.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token-verifier.ts';
import { isDomainError } from '../../src/errors/domain-error.ts';
import { toOperationOutcome } from '../../src/errors/operation-outcome.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';

const SITE = 'http://127.0.0.1:4000';
const STORED: Record<string, Record<string, unknown>> = {
  'Observation/o1': { resourceType: 'Observation', id: 'o1', subject: { reference: 'Patient/p1' } },
  'Observation/o2': { resourceType: 'Observation', id: 'o2', subject: { reference: 'Patient/p2' } },
};

/** A stand-in for the FHIR router, wired the way app.ts is meant to wire the real one. */
function fhirApp(verifier: TokenVerifier): Express {
  const app = express();
  app.get('/fhir/metadata', requireAuth(verifier, requirements['GET /fhir/metadata']), (_req, res) => {
    res.json({ resourceType: 'CapabilityStatement' });
  });
  app.get('/fhir/:type/:id', requireAuth(verifier, requirements['GET /fhir/:type/:id']), (req, res) => {
    const found = STORED[`${req.params.type}/${req.params.id}`];
    if (!found) {
      res.status(404).end();
      return;
    }
    assertPatientAccess(principalOf(res)!, patientOfResource(found));
    res.json(found);
  });
  app.post('/fhir', authenticate(verifier), express.json(), requireAuth(verifier, requirements['POST /fhir']), (_req, res) => {
    res.json({ imported: principalOf(res)?.clientId });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = isDomainError(err) ? err.httpStatus : (err as { status?: number }).status ?? 500;
    res.status(status).json(toOperationOutcome(err));
  });
  return app;
}

describe('requireAuth on REST routes', () => {
  let db: Database;
  let key: SiteKey;
  let verifier: TokenVerifier;
  let app: Express;
  const token = async (o: Omit<LocalTokenOptions, 'issuer' | 'audience'>) => (await mintLocalToken(key, { ...o, issuer: SITE, audience: SITE })).token;

  before(async () => {
    db = await openDatabase({});
    key = await loadOrCreateSiteKey(db);
    verifier = createTokenVerifier({ issuers: [{ issuer: SITE, jwks: key.jwks }], audience: SITE });
    app = fhirApp(verifier);
  });
  after(() => db.close());

  it('leaves public routes open', async () => {
    assert.equal((await request(app).get('/fhir/metadata')).status, 200);
  });

  it('answers 401 with a Bearer challenge and an OperationOutcome when there is no token', async () => {
    const res = await request(app).get('/fhir/Observation/o1');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="sangam"');
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(res.body.issue[0].code, 'login');
  });

  it('answers 401 invalid_token for a malformed header or a token from elsewhere', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not a token', 'Bearer abc.def.ghi']) {
      const res = await request(app).get('/fhir/Observation/o1').set('authorization', header);
      assert.equal(res.status, 401, header);
      if (header.startsWith('Bearer ')) assert.match(res.headers['www-authenticate'] ?? '', /error="invalid_token"/, header);
    }
  });

  it('answers 403 insufficient_scope naming what is missing', async () => {
    const res = await request(app).get('/fhir/Observation/o1').set('authorization', `Bearer ${await token({ role: 'trial-matcher' })}`);
    assert.equal(res.status, 403);
    assert.match(res.headers['www-authenticate'] ?? '', /error="insufficient_scope"/);
    assert.equal(res.body.issue[0].code, 'forbidden');
    assert.match(res.body.issue[0].diagnostics, /open to role ehr, clinician/);
    const narrow = await request(app).get('/fhir/Observation/o1').set('authorization', `Bearer ${await token({ role: 'ehr', scopes: 'system/Condition.rs' })}`);
    assert.equal(narrow.status, 403);
    assert.match(narrow.body.issue[0].diagnostics, /Observation\.r/);
  });

  it('serves a permitted read, and holds a patient-context token to its patient', async () => {
    const clinician = await token({ role: 'clinician' });
    assert.equal((await request(app).get('/fhir/Observation/o2').set('authorization', `Bearer ${clinician}`)).status, 200);
    const own = await token({ role: 'clinician', patient: 'p1' });
    assert.equal((await request(app).get('/fhir/Observation/o1').set('authorization', `Bearer ${own}`)).status, 200);
    assert.equal((await request(app).get('/fhir/Observation/o2').set('authorization', `Bearer ${own}`)).status, 403);
  });

  it('checks an import against the Bundle it carries, after authenticating before the body is read', async () => {
    const lab = await token({ role: 'lab' });
    const observations = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', id: 'o9' } }] };
    const ok = await request(app).post('/fhir').set('authorization', `Bearer ${lab}`).send(observations);
    assert.deepEqual([ok.status, ok.body.imported], [200, 'sangam-local']);
    const withPatient = { ...observations, entry: [...observations.entry, { resource: { resourceType: 'Patient', id: 'p9' } }] };
    assert.equal((await request(app).post('/fhir').set('authorization', `Bearer ${lab}`).send(withPatient)).status, 403);
    const badToken = await request(app).post('/fhir').set('authorization', 'Bearer abc.def.ghi').set('content-type', 'application/json').send('{not json');
    assert.equal(badToken.status, 401, 'the token is refused before the body is parsed');
  });

  it('reads the principal from a Fetch Headers object too (GraphQL Yoga context)', async () => {
    const headers = new Headers({ authorization: `Bearer ${await token({ role: 'admin' })}` });
    assert.equal((await principalFromRequest(verifier, { headers }))?.role, 'admin');
    assert.equal(await principalFromRequest(verifier, { headers: new Headers() }), undefined);
    assert.equal(bearerTokenOf('bearer abc'), 'abc');
    assert.throws(() => bearerTokenOf(`Bearer ${'a'.repeat(9000)}`), /Bearer <token>/);
  });
});
