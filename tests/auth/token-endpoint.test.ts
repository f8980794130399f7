import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express, { type Express } from 'express';
import { importJWK, SignJWT } from 'jose';
import request from 'supertest';
import { authorize } from '../../src/auth/authorize.ts';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/auth/client-assertion.ts';
import { registerClient } from '../../src/auth/client-registry.ts';
import { requirements } from '../../src/auth/requirements.ts';
import { loadOrCreateSiteKey, type SiteKey } from '../../src/auth/site-key.ts';
import { createTokenEndpoint, type TokenEndpointOptions } from '../../src/auth/token-endpoint.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token-verifier.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { ES384_KEY, forgeJwt, RS384_KEY, serveJwks, signAssertion, tamperSignature, type AssertionOptions, type SpecKey } from './auth-fixtures.ts';

const ISSUER = 'https://site-a.example';
const TOKEN_URL = `${ISSUER}/auth/token`;
// the lab client's keys, served from a loopback JWKS URL for the whole file
const jwksUrl = (await serveJwks(ES384_KEY.publicJwks)).url;

function endpointApp(options: TokenEndpointOptions): Express {
  const app = express();
  app.use(createTokenEndpoint(options));
  return app;
}

function post(app: Express, form: Record<string, string>) {
  return request(app).post('/auth/token').type('form').send(form);
}

function form(assertion: string, scope = 'system/Patient.rs system/Observation.rs'): Record<string, string> {
  return { grant_type: 'client_credentials', scope, client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion };
}

for (const target of testDatabases()) {
  describe(`SMART Backend Services token endpoint on ${target.name}`, () => {
    let db: Database;
    let siteKey: SiteKey;
    let app: Express;
    let verifier: TokenVerifier;
    const assertion = (key: SpecKey, o: Partial<AssertionOptions> = {}) =>
      signAssertion(key, { clientId: key === RS384_KEY ? 'ehr-rs' : 'lab-es', aud: TOKEN_URL, ...o });

    before(async () => {
      db = await target.open();
      siteKey = await loadOrCreateSiteKey(db);
      await registerClient(db, { clientId: 'ehr-rs', role: 'ehr', scopes: 'system/Patient.rs system/Observation.rs system/Consent.c', jwks: RS384_KEY.publicJwks });
      await registerClient(db, { clientId: 'lab-es', role: 'lab', scopes: 'system/Observation.cu system/Media.cu', jwksUri: jwksUrl });
      await registerClient(db, { clientId: 'gone-jwks', role: 'lab', scopes: 'system/Media.cu', jwksUri: `${jwksUrl}-moved` });
      app = endpointApp({ db, signingKey: siteKey, issuer: ISSUER });
      verifier = createTokenVerifier({ issuers: [{ issuer: ISSUER, jwks: siteKey.jwks }], audience: ISSUER });
    });
    after(() => db.close());

    it('grants an RS384 client a token the site verifier accepts', async () => {
      const res = await post(app, form(await assertion(RS384_KEY)));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.body.token_type, 'bearer');
      assert.equal(res.body.expires_in, 300);
      assert.equal(res.body.scope, 'system/Patient.rs system/Observation.rs');
      const p = await verifier.verify(res.body.access_token);
      assert.equal(p.role, 'ehr');
      assert.equal(p.clientId, 'ehr-rs');
      assert.equal(p.subject, 'ehr-rs');
      assert.equal(p.issuer, ISSUER);
      assert.doesNotThrow(() => authorize(p, requirements['Query.patient'], { id: 'p1' }));
      assert.throws(() => authorize(p, requirements['Mutation.withdrawConsent'], { patientId: 'p1' }), /Consent\.c/);
    });

    it('grants an ES384 client whose keys are at a JWKS URL, narrowing a wildcard request', async () => {
      const res = await post(app, form(await assertion(ES384_KEY), 'system/*.cruds'));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.scope, 'system/Observation.cu system/Media.cu');
      const p = await verifier.verify(res.body.access_token);
      assert.equal(p.role, 'lab');
      assert.doesNotThrow(() => authorize(p, requirements['Mutation.importVariants'], { patientId: 'p1' }));
      assert.throws(() => authorize(p, requirements['Query.patient'], { id: 'p1' }), /role/);
    });

    it('answers v1 scopes in v1 form when granted as asked', async () => {
      const res = await post(app, form(await assertion(RS384_KEY), 'system/Patient.read system/Observation.*'));
      assert.equal(res.status, 200);
      assert.equal(res.body.scope, 'system/Patient.read system/Observation.rs');
    });

    it('takes a jku only when it is the registered JWKS URL', async () => {
      assert.equal((await post(app, form(await assertion(ES384_KEY, { jku: jwksUrl }), 'system/Media.cu'))).status, 200);
      const wrong = await post(app, form(await assertion(ES384_KEY, { jku: 'https://attacker.example/jwks.json' }), 'system/Media.cu'));
      assert.deepEqual([wrong.status, wrong.body.error], [401, 'invalid_client']);
      assert.match(wrong.body.error_description, /jku/);
      const inline = await post(app, form(await assertion(RS384_KEY, { jku: jwksUrl })));
      assert.deepEqual([inline.status, inline.body.error], [401, 'invalid_client']);
    });

    const refusals: [string, () => Promise<string>, RegExp][] = [
      ['an expired assertion', () => assertion(RS384_KEY, { expIn: -120 }), /expired/],
      ['an assertion that expires more than 5 minutes ahead', () => assertion(RS384_KEY, { expIn: 600 }), /more than five minutes/],
      ['an assertion issued in the future', () => assertion(RS384_KEY, { iat: Math.floor(Date.now() / 1000) + 600 }), /future/],
      ['an assertion not valid yet', () => assertion(RS384_KEY, { nbf: Math.floor(Date.now() / 1000) + 600 }), /nbf/],
      ['an assertion for another token URL', () => assertion(RS384_KEY, { aud: 'https://site-b.example/auth/token' }), /aud/],
      ['an unknown client', () => assertion(RS384_KEY, { clientId: 'stranger' }), /unknown client/],
      ['sub different from iss', () => assertion(RS384_KEY, { sub: 'lab-es' }), /iss and sub/],
      ['a kid not in the client JWKS', () => assertion(RS384_KEY, { kid: 'other-kid' }), /exactly one key/],
      ["another client's key", () => signAssertion(ES384_KEY, { clientId: 'ehr-rs', aud: TOKEN_URL }), /exactly one key/],
      ['a tampered signature', async () => tamperSignature(await assertion(RS384_KEY)), /signature does not verify/],
      ['alg none', async () => forgeJwt({ alg: 'none', typ: 'JWT', kid: RS384_KEY.kid }, { iss: 'ehr-rs', sub: 'ehr-rs', aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 60, jti: 'n1' }), /RS384 or ES384/],
      [
        'HS256 keyed with the public key',
        () =>
          new SignJWT({ iss: 'ehr-rs', sub: 'ehr-rs', aud: TOKEN_URL, jti: 'h1' })
            .setProtectedHeader({ alg: 'HS256', kid: RS384_KEY.kid })
            .setExpirationTime('2m')
            .sign(new TextEncoder().encode(JSON.stringify(RS384_KEY.publicJwks.keys[0]))),
        /RS384 or ES384/,
      ],
      [
        'RS256 (allowed for access tokens, not for SMART assertions)',
        async () =>
          new SignJWT({ iss: 'ehr-rs', sub: 'ehr-rs', aud: TOKEN_URL, jti: 'r1' })
            .setProtectedHeader({ alg: 'RS256', kid: RS384_KEY.kid })
            .setExpirationTime('2m')
            .sign(await importJWK({ ...RS384_KEY.privateJwk, alg: 'RS256' }, 'RS256')),
        /RS384 or ES384/,
      ],
      ['a token that is not a JWT', async () => 'not-a-jwt', /not a JWT/],
      ['a client whose JWKS URL answers 404', () => signAssertion(ES384_KEY, { clientId: 'gone-jwks', aud: TOKEN_URL }), /JWKS URL could not be read/],
    ];
    for (const [what, make, reason] of refusals) {
      it(`refuses ${what} with invalid_client`, async () => {
        const res = await post(app, form(await make()));
        assert.equal(res.status, 401);
        assert.equal(res.body.error, 'invalid_client');
        assert.match(res.body.error_description, reason);
        assert.equal(res.body.access_token, undefined);
      });
    }

    it('refuses a replayed jti, also after a restart on the same database', async () => {
      const once = await assertion(RS384_KEY, { jti: 'replay-me' });
      assert.equal((await post(app, form(once))).status, 200);
      const again = await post(app, form(once));
      assert.deepEqual([again.status, again.body.error], [401, 'invalid_client']);
      assert.match(again.body.error_description, /already used/);
      const restarted = endpointApp({ db, signingKey: siteKey, issuer: ISSUER });
      const afterRestart = await post(restarted, form(once));
      assert.deepEqual([afterRestart.status, afterRestart.body.error], [401, 'invalid_client']);
    });

    it('keeps jti per client: two clients may use the same one', async () => {
      assert.equal((await post(app, form(await assertion(RS384_KEY, { jti: 'shared' })))).status, 200);
      assert.equal((await post(app, form(await assertion(ES384_KEY, { jti: 'shared' }), 'system/Media.cu'))).status, 200);
    });

    it('drops remembered jtis once their assertions have expired', async () => {
      const later = new Date(Date.now() + 10 * 60_000);
      const clock = endpointApp({ db, signingKey: siteKey, issuer: ISSUER, now: () => later });
      assert.equal((await post(clock, form(await assertion(RS384_KEY, { now: later })))).status, 200);
      const left = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_assertion_jti');
      assert.equal(left.rows[0]?.n, 1);
    });

    it('refuses requests that are not client_credentials with a jwt-bearer assertion', async () => {
      const good = await assertion(RS384_KEY);
      const cases: [Record<string, string>, number, string][] = [
        [{ ...form(good), grant_type: 'password' }, 400, 'unsupported_grant_type'],
        [{ ...form(good), grant_type: 'authorization_code' }, 400, 'unsupported_grant_type'],
        [{ scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: good }, 400, 'invalid_request'],
        [{ ...form(good), client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }, 401, 'invalid_client'],
        [{ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, 401, 'invalid_client'],
        [{ ...form(good), client_id: 'lab-es' }, 401, 'invalid_client'],
      ];
      for (const [body, status, error] of cases) {
        const res = await post(app, body);
        assert.deepEqual([res.status, res.body.error], [status, error], JSON.stringify(body));
      }
      const json = await request(app).post('/auth/token').send(form(good));
      assert.deepEqual([json.status, json.body.error], [400, 'invalid_request']);
      const twice = await request(app).post('/auth/token').type('form').send(`${new URLSearchParams(form(good))}&grant_type=client_credentials`);
      assert.deepEqual([twice.status, twice.body.error], [400, 'invalid_request']);
    });

    it('refuses scopes the client is not registered for with invalid_scope', async () => {
      const cases: [string | undefined, RegExp][] = [
        ['system/Condition.rs', /none of the requested scopes/],
        ['user/Patient.rs', /none of the requested scopes/],
        ['openid system/Patient.rs', /not SMART clinical scopes: openid/],
        ['system/Patient.sr', /not SMART clinical scopes/],
        [undefined, /scope is required/],
      ];
      for (const [scope, reason] of cases) {
        const body = form(await assertion(RS384_KEY), scope ?? '');
        if (scope === undefined) delete (body as Partial<typeof body>).scope;
        const res = await post(app, body);
        assert.deepEqual([res.status, res.body.error], [400, 'invalid_scope'], String(scope));
        assert.match(res.body.error_description, reason);
      }
    });

    it('publishes the SMART configuration at the root and under /fhir, and the site JWKS', async () => {
      for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
        const res = await request(app).get(path);
        assert.equal(res.status, 200);
        assert.match(res.headers['content-type'] ?? '', /application\/json/);
        assert.equal(res.body.token_endpoint, TOKEN_URL);
        assert.deepEqual(res.body.grant_types_supported, ['client_credentials']);
        assert.deepEqual(res.body.token_endpoint_auth_methods_supported, ['private_key_jwt']);
        assert.deepEqual(res.body.token_endpoint_auth_signing_alg_values_supported, ['RS384', 'ES384']);
        assert.ok(res.body.capabilities.includes('client-confidential-asymmetric'));
        assert.ok(res.body.capabilities.includes('permission-v2'));
        assert.ok(res.body.scopes_supported.includes('system/*.cruds'));
        assert.equal(res.body.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
      }
      const jwks = await request(app).get('/.well-known/jwks.json');
      assert.deepEqual(jwks.body, { keys: [siteKey.publicJwk] });
      assert.equal(jwks.body.keys[0]?.d, undefined);
      assert.equal(jwks.body.keys[0]?.kid, siteKey.kid);
    });
  });
}
