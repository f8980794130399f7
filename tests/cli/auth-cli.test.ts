import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startSite } from '../../src/main.ts';
import { ES384_KEY, signAssertion } from '../auth/auth-fixtures.ts';
import { sangam, tempDirs } from '../helpers/cli.ts';

const SMART_KEYS = new URL('../fixtures/smart/', import.meta.url).pathname;

describe('an EHR registered from the command line', () => {
  const tempDir = tempDirs('sangam-auth-cli-');

  it('gets a token with its own key (SMART Backend Services) and reads through the API; once removed, it gets none', async () => {
    const dataDir = tempDir();
    const registered = await sangam([
      'auth', 'register-client', '--client-id', 'ehr-epic-1', '--role', 'ehr', '--scopes', 'system/Patient.rs system/Observation.rs',
      '--jwks', join(SMART_KEYS, 'ES384.public.json'), '--data-dir', dataDir,
    ]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /registered client ehr-epic-1 \(ehr\), scopes "system\/Patient\.rs system\/Observation\.rs"/);
    const bad = await sangam(['auth', 'register-client', '--client-id', 'x', '--role', 'nurse', '--scopes', 'system/*.rs', '--jwks-uri', 'https://a.example/jwks', '--data-dir', dataDir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--role must be one of/);

    const site = await startSite(loadConfig({}, { env: 'test', port: 0, dataDir }), createLogger({ level: 'silent' }), {});
    try {
      const exchange = async () => {
        const assertion = await signAssertion(ES384_KEY, { clientId: 'ehr-epic-1', aud: `${site.url}/auth/token` });
        return fetch(`${site.url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'system/Patient.rs',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        });
      };
      const res = await exchange();
      assert.equal(res.status, 200);
      const token = (await res.json()) as { access_token: string; scope: string; token_type: string };
      assert.equal(token.scope, 'system/Patient.rs');
      const query = await fetch(`${site.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` },
        body: JSON.stringify({ query: '{ patients(first: 1) { totalCount } }' }),
      });
      assert.equal(query.status, 200);
      assert.deepEqual(await query.json(), { data: { patients: { totalCount: 0 } } });
    } finally {
      await site.close();
    }

    const removed = await sangam(['auth', 'remove-client', 'ehr-epic-1', '--data-dir', dataDir]);
    assert.equal(removed.code, 0, removed.stderr);
    const again = await startSite(loadConfig({}, { env: 'test', port: 0, dataDir }), createLogger({ level: 'silent' }), {});
    try {
      const assertion = await signAssertion(ES384_KEY, { clientId: 'ehr-epic-1', aud: `${again.url}/auth/token` });
      const res = await fetch(`${again.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
      });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
    } finally {
      await again.close();
    }
  });
});
