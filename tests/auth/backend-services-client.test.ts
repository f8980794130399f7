import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { backendServicesClient, discoverTokenUrl } from '../../src/auth/backend-services-client.ts';
import { registerClient } from '../../src/auth/client-registry.ts';
import { loadOrCreateSiteKey } from '../../src/auth/site-key.ts';
import { createTokenEndpoint } from '../../src/auth/token-endpoint.ts';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/token-verifier.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { ES384_KEY, RS384_KEY } from './auth-fixtures.ts';

/** Our own token endpoint on a loopback port stands in for an EHR's authorization server. */
describe('outbound SMART Backend Services client', () => {
  let db: Database;
  let server: Server;
  let base: string;
  let verifier: TokenVerifier;
  let clock = Date.now();
  let posts = 0;
  const counting: typeof fetch = (input, init) => {
    if (init?.method === 'POST') posts++;
    return fetch(input, init);
  };
  const now = () => new Date(clock);

  before(async () => {
    db = await openDatabase({});
    const key = await loadOrCreateSiteKey(db);
    await registerClient(db, { clientId: 'sangam-site-a', role: 'ehr', scopes: 'system/Patient.rs system/Observation.rs', jwks: RS384_KEY.publicJwks });
    await registerClient(db, { clientId: 'sangam-site-b', role: 'ehr', scopes: 'system/Patient.rs', jwks: ES384_KEY.publicJwks });
    const app = express();
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app.use(createTokenEndpoint({ db, signingKey: key, issuer: base, now }));
    app.get('/other-fhir/.well-known/smart-configuration', (_req, res) => {
      res.json({ token_endpoint: `${base}/auth/token`, grant_types_supported: ['authorization_code'], capabilities: [] });
    });
    verifier = createTokenVerifier({ issuers: [{ issuer: base, jwks: key.jwks }], audience: base, now });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.close();
  });

  const client = (overrides: Partial<Parameters<typeof backendServicesClient>[0]> = {}) =>
    backendServicesClient({
      tokenUrl: `${base}/auth/token`,
      clientId: 'sangam-site-a',
      privateJwk: RS384_KEY.privateJwk,
      alg: 'RS384',
      scope: 'system/Patient.rs system/Observation.rs',
      fetch: counting,
      now,
      ...overrides,
    });

  it('finds the token endpoint through the FHIR base', async () => {
    assert.equal(await discoverTokenUrl(`${base}/fhir/`), `${base}/auth/token`);
    await assert.rejects(discoverTokenUrl(`${base}/other-fhir`), /client_credentials/);
    await assert.rejects(discoverTokenUrl(`${base}/nowhere`), /smart-configuration/);
  });

  it('obtains a token the server accepts, with the granted scope', async () => {
    const c = client();
    const grant = await c.grant();
    assert.equal(grant.scope, 'system/Patient.rs system/Observation.rs');
    const p = await verifier.verify(grant.accessToken);
    assert.deepEqual([p.clientId, p.role], ['sangam-site-a', 'ehr']);
  });

  it('signs ES384 assertions too', async () => {
    const c = client({ clientId: 'sangam-site-b', privateJwk: ES384_KEY.privateJwk, alg: 'ES384', scope: 'system/Patient.rs' });
    assert.equal((await verifier.verify(await c.accessToken())).clientId, 'sangam-site-b');
  });

  it('reuses a token until it nears expiry, and shares one request between concurrent callers', async () => {
    const c = client();
    posts = 0;
    const [a, b] = await Promise.all([c.accessToken(), c.accessToken()]);
    assert.equal(a, b);
    assert.equal(await c.accessToken(), a);
    assert.equal(posts, 1);
    clock += 271_000; // 300 s tokens are renewed 30 s early
    const renewed = await c.accessToken();
    assert.notEqual(renewed, a);
    assert.equal(posts, 2);
    c.invalidate();
    await c.accessToken();
    assert.equal(posts, 3);
  });

  it('reports a refusal with the OAuth error, never the assertion', async () => {
    const c = client({ clientId: 'not-registered' });
    await assert.rejects(
      c.accessToken(),
      (e: DomainError) => e.code === 'UPSTREAM_FAILED' && /invalid_client: unknown client/.test(e.message) && !/eyJ/.test(e.message),
    );
    await assert.rejects(client({ scope: 'system/Condition.rs' }).accessToken(), /invalid_scope/);
    await assert.rejects(client({ tokenUrl: 'http://127.0.0.1:1/auth/token' }).accessToken(), /could not be reached/);
  });

  it('needs a private key with a kid', () => {
    const { kid: _kid, ...noKid } = RS384_KEY.privateJwk;
    assert.throws(() => client({ privateJwk: noKid }), /kid/);
    assert.throws(() => client({ privateJwk: RS384_KEY.publicJwks.keys[0] }), /private key/);
  });
});
