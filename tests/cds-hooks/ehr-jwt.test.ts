import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { base64url } from 'jose';
import { createEhrJwtVerifier } from '../../src/cds-hooks/ehr-jwt.ts';
import { memoryJtiCache } from '../../src/cds-hooks/jti-replay-cache.ts';
import { fixture } from '../helpers/fixtures.ts';
import { BASE, buildCdsSite, jwksFetch, makeEhr, PV, serviceUrl, type CdsTestSite, type TestEhr } from './cds-test-kit.ts';

/**
 * CDS Hooks 2.0 "Trusting CDS Clients": each refusal below is one rule of the spec, and each
 * would pass if its rule were not checked (the tokens are otherwise valid and signed by a trusted key).
 */
const DISCOVERY = `${BASE}/cds-services`;
const encode = (o: unknown) => base64url.encode(JSON.stringify(o));

describe('EHR JWT verification', () => {
  let t: CdsTestSite;
  let es: TestEhr;
  let rs: TestEhr;
  let stranger: TestEhr;
  const discover = (token: string) => request(t.app).get('/cds-services').set('authorization', `Bearer ${token}`);
  const diagnostics = (res: request.Response) => String(res.body.issue?.[0]?.diagnostics);

  before(async () => {
    es = await makeEhr('ES384', 'https://ehr-es.test/');
    rs = await makeEhr('RS384', 'https://ehr-rs.test/');
    stranger = await makeEhr('ES384', 'https://stranger.test/');
    t = await buildCdsSite({ ehrs: [es, rs], models: false, extraJwks: { [stranger.jku]: stranger.jwks } });
  });
  after(() => t.close());

  it('accepts ES384 and RS384 tokens from allowlisted issuers', async () => {
    assert.equal((await discover(await es.token(DISCOVERY))).status, 200);
    assert.equal((await discover(await rs.token(DISCOVERY))).status, 200);
  });

  it('refuses the spec’s example token: it has expired', async () => {
    // trust the spec's issuer and serve its published JWKS at its jku, so only exp can fail
    const spec = fixture<{ iss: string; aud: string }>('cds-hooks/spec-client-jwt-payload.json');
    const jku = 'https://fhir-ehr.example.com/jwk_uri';
    const verifier = createEhrJwtVerifier({
      trustedIssuers: [{ iss: spec.iss, jkuAllowlist: [jku] }],
      clockSkewSeconds: 30,
      maxTokenLifetimeSeconds: 300,
      replay: memoryJtiCache(),
      fetch: jwksFetch({ [jku]: fixture('cds-hooks/spec-client-jwks-public.json') }),
    });
    const token = readFileSync(new URL('../fixtures/cds-hooks/spec-client-jwt-signed-ES384-expired.txt', import.meta.url), 'utf8').trim();
    await assert.rejects(verifier.verify(token, spec.aud), /has expired \(exp\)/);
    // the same token, evaluated at a time inside its validity, gets past exp and signature: the key and claims are right
    const then = createEhrJwtVerifier({
      trustedIssuers: [{ iss: spec.iss, jkuAllowlist: [jku] }],
      clockSkewSeconds: 30,
      maxTokenLifetimeSeconds: 300,
      replay: memoryJtiCache(),
      fetch: jwksFetch({ [jku]: fixture('cds-hooks/spec-client-jwks-public.json') }),
      now: () => new Date(1_422_568_800_000),
    });
    // its exp − iat is 3.5 years, far beyond a short-lived token
    await assert.rejects(then.verify(token, spec.aud), /lives longer than/);
    // through the router too: 401
    const res = await request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${token}`).send({});
    assert.equal(res.status, 401);
  });

  it('refuses a token whose aud is not the URL called', async () => {
    const res = await request(t.app).post(`/cds-services/${PV}`).set('authorization', `Bearer ${await es.token(serviceUrl('other-service'))}`).send({});
    assert.equal(res.status, 401);
    assert.match(diagnostics(res), /aud/);
    // the discovery URL is not the service URL either
    assert.equal((await discover(await es.token(serviceUrl(PV)))).status, 401);
  });

  it('refuses an issuer not on the allowlist, even with a key that verifies', async () => {
    const res = await discover(await stranger.token(DISCOVERY));
    assert.equal(res.status, 401);
    assert.match(diagnostics(res), /issuer \(iss\) is not a trusted/);
  });

  it('refuses a jku that is not on the issuer’s allowlist', async () => {
    // the trusted issuer's own claims, but keys published somewhere else
    const res = await discover(await es.token(DISCOVERY, {}, { jku: stranger.jku }));
    assert.equal(res.status, 401);
    assert.match(diagnostics(res), /jku is not on the issuer's allowlist/);
  });

  it('refuses a replayed jti', async () => {
    const jti = randomUUID();
    assert.equal((await discover(await es.token(DISCOVERY, { jti }))).status, 200);
    const again = await discover(await es.token(DISCOVERY, { jti }));
    assert.equal(again.status, 401);
    assert.match(diagnostics(again), /used before \(jti\)/);
    // the same jti from another issuer is another token
    assert.equal((await discover(await rs.token(DISCOVERY, { jti }))).status, 200);
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${encode({ alg: 'none', typ: 'JWT', kid: es.kid, jku: es.jku })}.${encode({ iss: es.iss, aud: DISCOVERY, exp: now + 60, iat: now, jti: randomUUID() })}.`;
    const res = await discover(token);
    assert.equal(res.status, 401);
    assert.match(diagnostics(res), /ES384 or RS384/);
  });

  it('refuses HS256, even keyed with the public JWK (the algorithm-confusion attack)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${encode({ alg: 'HS256', typ: 'JWT', kid: es.kid, jku: es.jku })}.${encode({ iss: es.iss, aud: DISCOVERY, exp: now + 60, iat: now, jti: randomUUID() })}`;
    const sig = createHmac('sha256', JSON.stringify(es.jwks.keys[0])).update(input).digest('base64url');
    const res = await discover(`${input}.${sig}`);
    assert.equal(res.status, 401);
    assert.match(diagnostics(res), /ES384 or RS384/);
  });

  it('refuses missing claims, a future iat and a long-lived token', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.match(diagnostics(await discover(await es.token(DISCOVERY, { jti: undefined }))), /jti/);
    assert.match(diagnostics(await discover(await es.token(DISCOVERY, { iat: now + 600, exp: now + 700 }))), /iat/);
    assert.match(diagnostics(await discover(await es.token(DISCOVERY, { exp: now + 3600 }))), /lives longer/);
    assert.match(diagnostics(await discover(await es.token(DISCOVERY, { exp: now - 120, iat: now - 200 }))), /expired/);
  });

  it('reads the key from the issuer’s configured JWKS URL when the token has no jku', async () => {
    const verifier = createEhrJwtVerifier({
      trustedIssuers: [{ iss: es.iss, jkuAllowlist: [], jwksUrl: es.jku }],
      clockSkewSeconds: 30,
      maxTokenLifetimeSeconds: 300,
      replay: memoryJtiCache(),
      fetch: jwksFetch({ [es.jku]: es.jwks }),
    });
    const token = await es.token(DISCOVERY, {}, { jku: undefined });
    assert.deepEqual(await verifier.verify(token, DISCOVERY), { iss: es.iss, keySet: es.jku });
    // with a jku header, the allowlist (empty here) decides
    await assert.rejects(verifier.verify(await es.token(DISCOVERY), DISCOVERY), /jku is not on/);
  });
});
