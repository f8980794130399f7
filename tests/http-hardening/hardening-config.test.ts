import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config.ts';
import { burstOf, loadHardeningConfig } from '../../src/http-hardening/hardening-config.ts';

describe('hardening config', () => {
  it('has the documented defaults', () => {
    const c = loadHardeningConfig({});
    assert.deepEqual(c.graphql, { maxDepth: 10, maxAliases: 15, maxTokens: 2000, maxDirectives: 20, maxCost: 5000, exposeLimits: true });
    assert.equal(c.rateLimit.perMinute, 600);
    assert.equal(burstOf(c.rateLimit), 100);
    assert.deepEqual(c.corsOrigins, []);
    assert.equal(c.hsts, true);
  });

  it('reads the environment, and overrides win', () => {
    const c = loadHardeningConfig(
      { SANGAM_CORS_ORIGINS: 'https://a.example, http://localhost:5173', SANGAM_RATE_LIMIT_PER_MINUTE: '60', SANGAM_GRAPHQL_MAX_DEPTH: '7', SANGAM_HSTS: 'false' },
      { graphql: { maxAliases: 3 } },
    );
    assert.deepEqual(c.corsOrigins, ['https://a.example', 'http://localhost:5173']);
    assert.equal(c.rateLimit.perMinute, 60);
    assert.equal(burstOf(c.rateLimit), 10);
    assert.equal(c.graphql.maxDepth, 7);
    assert.equal(c.graphql.maxAliases, 3);
    assert.equal(c.hsts, false);
  });

  for (const [name, value] of [
    ['SANGAM_CORS_ORIGINS', '*'],
    ['SANGAM_CORS_ORIGINS', 'https://a.example/'],
    ['SANGAM_CORS_ORIGINS', 'https://a.example,https://b.example/path'],
    ['SANGAM_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['SANGAM_GRAPHQL_MAX_DEPTH', '0'],
  ] as const) {
    it(`refuses ${name}=${value}, naming the variable`, () => {
      assert.throws(
        () => loadHardeningConfig({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      );
    });
  }
});
