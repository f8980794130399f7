import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 4000);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.dataDir, './.sangam');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.limits.maxBodyBytes, 16 * 1024 * 1024);
    assert.equal(c.limits.maxBundleEntries, 10_000);
  });

  it('reads the environment, and flags win over it', () => {
    const env = { PORT: '5000', DATABASE_URL: 'postgres://u@h/db', SANGAM_MAX_BUNDLE_ENTRIES: '50' };
    const c = loadConfig(env, { port: '6000' });
    assert.equal(c.port, 6000);
    assert.equal(c.databaseUrl, 'postgres://u@h/db');
    assert.equal(c.limits.maxBundleEntries, 50);
  });

  it('ignores flags that were not given and empty variables', () => {
    const c = loadConfig({ PORT: '' }, { port: undefined });
    assert.equal(c.port, 4000);
  });

  it('names the bad setting and its variable', () => {
    assert.throws(() => loadConfig({ PORT: 'http' }), (err: unknown) => err instanceof ConfigError && /invalid setting port \(environment variable PORT/.test(err.message));
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /invalid setting databaseUrl .*DATABASE_URL.*postgres:\/\//);
    assert.throws(() => loadConfig({ SANGAM_MAX_BODY_BYTES: '-1' }), /limits\.maxBodyBytes .*SANGAM_MAX_BODY_BYTES/);
  });
});
