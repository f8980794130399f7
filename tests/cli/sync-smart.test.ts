/**
 * `sangam sync` against an EHR whose FHIR server requires SMART Backend Services: the EHR's side is
 * a real FHIR server (Medplum's router) behind a bearer-token gate, with a token endpoint that knows
 * this site as a registered client by the SMART example ES384 public key. The CLI must obtain its
 * token itself (discovery, a signed client assertion) and send it on every request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { registerClient } from '../../src/auth/client-registry.ts';
import { loadOrCreateSiteKey } from '../../src/auth/site-key.ts';
import { createTokenEndpoint } from '../../src/auth/token-endpoint.ts';
import { createTokenVerifier } from '../../src/auth/token-verifier.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { ES384_KEY } from '../auth/auth-fixtures.ts';
import { sangam } from '../helpers/cli.ts';
import { fixture } from '../helpers/fixtures.ts';
import { seedBundle, startFhirServer } from '../helpers/fhir-server.ts';

const PRIVATE_KEY = new URL('../fixtures/smart/ES384.private-EXAMPLE-ONLY.json', import.meta.url).pathname;

describe('sangam sync with SMART Backend Services', () => {
  let ehrAuthDb: Database;
  let authServer: Server;
  let fhir: Awaited<ReturnType<typeof startFhirServer>>;
  let tokenPosts = 0;
  const refused: string[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'sangam-sync-smart-'));

  before(async () => {
    // the EHR's authorization server
    ehrAuthDb = await openDatabase({});
    const key = await loadOrCreateSiteKey(ehrAuthDb);
    await registerClient(ehrAuthDb, { clientId: 'sangam-site-in-west', role: 'ehr', scopes: 'system/Patient.rs system/Observation.rs system/Condition.rs system/*.rs', jwks: ES384_KEY.publicJwks });
    const app = express();
    app.use((req, _res, next) => ((req.method === 'POST' ? tokenPosts++ : 0), next()));
    authServer = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const issuer = `http://127.0.0.1:${(authServer.address() as AddressInfo).port}`;
    app.use(createTokenEndpoint({ db: ehrAuthDb, signingKey: key, issuer }));
    const verifier = createTokenVerifier({ issuers: [{ issuer, jwks: key.jwks }], audience: issuer });

    // the EHR's FHIR server: discovery is open, everything else needs a token from that server
    fhir = await startFhirServer({
      intercept: (req, res, next) => {
        if (req.path === '/.well-known/smart-configuration') {
          res.json({ token_endpoint: `${issuer}/auth/token`, token_endpoint_auth_methods_supported: ['private_key_jwt'], capabilities: ['client-confidential-asymmetric'] });
          return;
        }
        const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
        verifier.verify(token ?? '').then(
          () => next(),
          () => {
            refused.push(req.path);
            res.status(401).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
          },
        );
      },
    });
    await seedBundle(fhir.repo, fixture('fhir/TrialMatching_Patient01.json'));
  });
  after(async () => {
    await fhir.close();
    await new Promise<void>((resolve) => authServer.close(() => resolve()));
    await ehrAuthDb.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is refused without credentials, and with them gets its own token once and pulls the record', async () => {
    const anonymous = await sangam(['sync', '--fhir-url', fhir.baseUrl, '--data-dir', dataDir]);
    assert.notEqual(anonymous.code, 0);
    assert.ok(refused.length > 0);
    refused.length = 0;

    const res = await sangam(['sync', '--fhir-url', fhir.baseUrl, '--client-id', 'sangam-site-in-west', '--private-key', PRIVATE_KEY, '--scope', 'system/*.rs', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /1 patients synced/);
    assert.deepEqual(refused, []);
    // one token for the whole pull: it is reused until it nears expiry
    assert.equal(tokenPosts, 1);
    const requests = fhir.requests.filter((r) => r.path !== '.well-known/smart-configuration' && r.authorization !== undefined);
    assert.ok(requests.length >= 5, `${requests.length} authorised requests`);
    assert.equal(new Set(requests.map((r) => r.authorization)).size, 1);
  });

  it('refuses half a configuration, naming what is missing', async () => {
    const res = await sangam(['sync', '--fhir-url', fhir.baseUrl, '--client-id', 'sangam-site-in-west', '--data-dir', dataDir]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /needs both --client-id and --private-key/);
  });
});
