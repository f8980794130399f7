import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { authorize } from '../../src/auth/authorize.ts';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/auth/client-assertion.ts';
import { findClient, registerClient, removeClient } from '../../src/auth/client-registry.ts';
import { mintLocalToken } from '../../src/auth/local-token.ts';
import { requirements } from '../../src/auth/requirements.ts';
import { lazySiteKey, loadOrCreateSiteKey, loadOrCreateSiteKeyFile, SITE_KEY_FILE } from '../../src/auth/site-key.ts';
import { createTokenEndpoint } from '../../src/auth/token-endpoint.ts';
import { createTokenVerifier } from '../../src/auth/token-verifier.ts';
import { DomainError } from '../../src/errors/domain-error.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { testDatabases } from '../helpers/databases.ts';
import { ES384_KEY, RS384_KEY, signAssertion } from './auth-fixtures.ts';

const ISSUER = 'http://127.0.0.1:4000';

for (const target of testDatabases()) {
  describe(`site key, clients and local tokens on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
    });
    after(() => db.close());

    it('creates one ES384 key on first use and returns it afterwards, also to concurrent callers', async () => {
      const [a, b, c] = await Promise.all([loadOrCreateSiteKey(db), loadOrCreateSiteKey(db), loadOrCreateSiteKey(db)]);
      assert.equal(a?.kid, b?.kid);
      assert.equal(b?.kid, c?.kid);
      assert.equal((await loadOrCreateSiteKey(db)).kid, a?.kid);
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_site_key');
      assert.equal(rows.rows[0]?.n, 1);
      assert.equal(a?.alg, 'ES384');
      assert.deepEqual(Object.keys(a?.publicJwk ?? {}).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal((await lazySiteKey(db)()).kid, a?.kid);
    });

    it('mints local tokens the site verifier accepts, with the role default scopes', async () => {
      const key = await loadOrCreateSiteKey(db);
      const verifier = createTokenVerifier({ issuers: [{ issuer: ISSUER, jwks: key.jwks }], audience: ISSUER });
      const ehr = await mintLocalToken(key, { role: 'ehr', issuer: ISSUER, audience: ISSUER });
      assert.equal(ehr.scope, 'system/*.crus');
      const p = await verifier.verify(ehr.token);
      assert.deepEqual([p.role, p.subject, p.clientId, p.patient], ['ehr', 'local:ehr', 'sangam-local', undefined]);
      assert.ok(ehr.expiresAt.getTime() - Date.now() <= 900_000 && ehr.expiresAt.getTime() - Date.now() > 890_000);
      authorize(p, requirements['Mutation.importFhirBundle'], { bundle: { resourceType: 'Patient' } });
    });

    it('limits a patient-context local token to its patient', async () => {
      const key = await loadOrCreateSiteKey(db);
      const verifier = createTokenVerifier({ issuers: [{ issuer: ISSUER, jwks: key.jwks }], audience: ISSUER });
      const minted = await mintLocalToken(key, { role: 'clinician', patient: 'p1', issuer: ISSUER, audience: ISSUER, ttlSeconds: 60 });
      assert.equal(minted.scope, 'patient/*.rs patient/Consent.c patient/Observation.cu patient/MedicationStatement.cu patient/Patient.u');
      const p = await verifier.verify(minted.token);
      assert.equal(p.patient, 'p1');
      authorize(p, requirements['Query.patient'], { id: 'p1' });
      assert.throws(() => authorize(p, requirements['Query.patient'], { id: 'p2' }), /its own patient/);
      assert.throws(() => authorize(p, requirements['Query.patients']), /spans patients/);
    });

    it('refuses local tokens longer than an hour, unknown roles and non-SMART scopes', async () => {
      const key = await loadOrCreateSiteKey(db);
      const base = { issuer: ISSUER, audience: ISSUER };
      await assert.rejects(mintLocalToken(key, { ...base, role: 'admin', ttlSeconds: 3601 }), /ttlSeconds/);
      await assert.rejects(mintLocalToken(key, { ...base, role: 'root' as 'admin' }), /unknown role/);
      await assert.rejects(mintLocalToken(key, { ...base, role: 'admin', scopes: 'openid' }), /not SMART clinical scopes/);
      await assert.rejects(mintLocalToken(key, { ...base, role: 'clinician', patient: 'Jane Doe' }), /FHIR id/);
      const hour = await mintLocalToken(key, { ...base, role: 'admin', ttlSeconds: 3600, scopes: 'system/AuditEvent.rs' });
      assert.equal(hour.scope, 'system/AuditEvent.rs');
    });

    it('registers clients with public keys only, and one key source', async () => {
      const bad: [Parameters<typeof registerClient>[1], RegExp][] = [
        [{ clientId: 'c1', role: 'ehr', scopes: 'system/*.rs', jwks: { keys: [ES384_KEY.privateJwk] } }, /public key/],
        [{ clientId: 'c1', role: 'ehr', scopes: 'system/*.rs', jwks: ES384_KEY.publicJwks, jwksUri: 'https://c.example/jwks' }, /exactly one/],
        [{ clientId: 'c1', role: 'ehr', scopes: 'system/*.rs' }, /exactly one/],
        [{ clientId: 'c1', role: 'ehr', scopes: 'system/*.rs', jwksUri: 'http://c.example/jwks' }, /https/],
        [{ clientId: 'c1', role: 'ehr', scopes: 'openid', jwksUri: 'https://c.example/jwks' }, /not SMART clinical scopes/],
        [{ clientId: 'c 1', role: 'ehr', scopes: 'system/*.rs', jwksUri: 'https://c.example/jwks' }, /letters, digits/],
        [{ clientId: 'c1', role: 'root' as 'ehr', scopes: 'system/*.rs', jwksUri: 'https://c.example/jwks' }, /role/],
      ];
      for (const [registration, reason] of bad) {
        await assert.rejects(registerClient(db, registration), (e: DomainError) => e.code === 'BAD_INPUT' && e.issues.some((i) => reason.test(i.message) || reason.test(i.expression ?? '')), JSON.stringify(registration));
      }
      const client = await registerClient(db, { clientId: 'c1', role: 'ehr', scopes: 'system/Patient.read', jwksUri: 'https://c.example/jwks' });
      assert.deepEqual(client.scopes.map((s) => s.original), ['system/Patient.rs']);
      const replaced = await registerClient(db, { clientId: 'c1', role: 'lab', scopes: 'system/Observation.cu', jwks: RS384_KEY.publicJwks });
      assert.deepEqual([replaced.role, replaced.jwksUri, replaced.jwks?.keys.length], ['lab', undefined, 1]);
      assert.equal((await findClient(db, 'c1'))?.role, 'lab');
      assert.equal(await removeClient(db, 'c1'), true);
      assert.equal(await findClient(db, 'c1'), undefined);
    });
  });
}

describe('a restarted site (PGlite data directory)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sangam-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its signing key and keeps refusing a used assertion', async () => {
    const tokenUrl = `${ISSUER}/auth/token`;
    const assertion = await signAssertion(RS384_KEY, { clientId: 'ehr-rs', aud: tokenUrl, jti: 'once-only' });
    const body = { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: assertion };
    const serve = async (db: Database) => express().use(createTokenEndpoint({ db, signingKey: await loadOrCreateSiteKey(db), issuer: ISSUER }));

    const first = await openDatabase({ dataDir: dir });
    const kid = (await loadOrCreateSiteKey(first)).kid;
    await registerClient(first, { clientId: 'ehr-rs', role: 'ehr', scopes: 'system/Patient.rs', jwks: RS384_KEY.publicJwks });
    const granted = await request(await serve(first)).post('/auth/token').type('form').send(body);
    assert.equal(granted.status, 200);
    await first.close();

    const second = await openDatabase({ dataDir: dir });
    try {
      assert.equal((await loadOrCreateSiteKey(second)).kid, kid);
      const key = await loadOrCreateSiteKey(second);
      const verifier = createTokenVerifier({ issuers: [{ issuer: ISSUER, jwks: key.jwks }], audience: ISSUER });
      assert.equal((await verifier.verify(granted.body.access_token)).clientId, 'ehr-rs', 'tokens signed before the restart still verify');
      const replay = await request(await serve(second)).post('/auth/token').type('form').send(body);
      assert.deepEqual([replay.status, replay.body.error], [401, 'invalid_client']);
    } finally {
      await second.close();
    }
  });
});

describe('site key kept in the data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sangam-key-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one owner-only key file, shared by concurrent callers and later reads', async () => {
    const [a, b] = await Promise.all([loadOrCreateSiteKeyFile(dir), loadOrCreateSiteKeyFile(dir)]);
    assert.equal(a?.kid, b?.kid);
    assert.equal((await loadOrCreateSiteKeyFile(dir)).kid, a?.kid);
    assert.equal(statSync(join(dir, SITE_KEY_FILE)).mode & 0o777, 0o600);
    const minted = await mintLocalToken(await loadOrCreateSiteKeyFile(dir), { role: 'lab', issuer: ISSUER, audience: ISSUER });
    const verifier = createTokenVerifier({ issuers: [{ issuer: ISSUER, jwks: a!.jwks }], audience: ISSUER });
    assert.equal((await verifier.verify(minted.token)).role, 'lab');
  });
});
