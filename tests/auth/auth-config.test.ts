import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAuthConfig, verifierIssuers } from '../../src/auth/auth-config.ts';
import { ConfigError } from '../../src/config/config.ts';
import { ES384_KEY } from './auth-fixtures.ts';

const dev = { env: 'development', host: '127.0.0.1', port: 4000 } as const;
const prod = { ...dev, env: 'production' } as const;
const IDP = JSON.stringify([{ issuer: 'https://idp.hospital.example', jwksUri: 'https://idp.hospital.example/jwks', role: 'clinician' }]);

function refusal(variable: string, pattern: RegExp) {
  return (e: unknown) => e instanceof ConfigError && e.message.includes(variable) && pattern.test(e.message);
}

describe('checkAuthConfig', () => {
  it('defaults, in development, to the listening address and the site key alone, and prints a token', () => {
    const c = checkAuthConfig({}, dev);
    assert.deepEqual(c, {
      issuer: 'http://127.0.0.1:4000',
      audience: 'http://127.0.0.1:4000',
      tokenUrl: 'http://127.0.0.1:4000/auth/token',
      trustedIssuers: [],
      clockSkewSeconds: 60,
      accessTokenTtlSeconds: 300,
      printDevelopmentToken: true,
    });
    assert.equal(checkAuthConfig({}, { ...dev, host: '::1' }).issuer, 'http://[::1]:4000');
    assert.equal(checkAuthConfig({}, { ...dev, env: 'test' }).printDevelopmentToken, false);
  });

  it('refuses to start in production without an https issuer', () => {
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_TRUSTED_ISSUERS: IDP }, prod), refusal('SANGAM_AUTH_ISSUER', /production needs/));
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_ISSUER: 'http://sangam.hospital.example', SANGAM_AUTH_TRUSTED_ISSUERS: IDP }, prod), refusal('SANGAM_AUTH_ISSUER', /https/));
  });

  it('refuses to start in production without a trusted issuer and its JWKS', () => {
    const issuer = { SANGAM_AUTH_ISSUER: 'https://sangam.hospital.example' };
    assert.throws(() => checkAuthConfig(issuer, prod), refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /at least one trusted issuer/));
    assert.throws(
      () => checkAuthConfig({ ...issuer, SANGAM_AUTH_TRUSTED_ISSUERS: JSON.stringify([{ issuer: 'https://idp.example' }]) }, prod),
      refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /exactly one of jwksUri and jwks/),
    );
    assert.throws(
      () => checkAuthConfig({ ...issuer, SANGAM_AUTH_TRUSTED_ISSUERS: JSON.stringify([{ issuer: 'https://idp.example', jwksUri: 'http://idp.example/jwks' }]) }, prod),
      refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /https/),
    );
    const c = checkAuthConfig({ ...issuer, SANGAM_AUTH_TRUSTED_ISSUERS: IDP, SANGAM_AUTH_AUDIENCE: 'https://sangam.hospital.example/fhir' }, prod);
    assert.equal(c.issuer, 'https://sangam.hospital.example');
    assert.equal(c.audience, 'https://sangam.hospital.example/fhir');
    assert.deepEqual(c.trustedIssuers, [{ issuer: 'https://idp.hospital.example', jwksUri: 'https://idp.hospital.example/jwks', role: 'clinician' }]);
    assert.equal(c.printDevelopmentToken, false);
  });

  it('names the variable of a bad value', () => {
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_TRUSTED_ISSUERS: '[{' }, dev), refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /not JSON/));
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_TRUSTED_ISSUERS: JSON.stringify([{ issuer: 'a', jwks: { keys: [{ kty: 'EC' }] }, role: 'root' }]) }, dev), refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /role/));
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_TOKEN_TTL_SECONDS: '7200' }, dev), refusal('SANGAM_AUTH_TOKEN_TTL_SECONDS', /3600/));
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_CLOCK_SKEW_SECONDS: 'soon' }, dev), refusal('SANGAM_AUTH_CLOCK_SKEW_SECONDS', /number/));
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_ISSUER: 'ftp://x' }, dev), refusal('SANGAM_AUTH_ISSUER', /URL/));
    const twice = JSON.stringify([{ issuer: 'a', jwksUri: 'https://a/j' }, { issuer: 'a', jwksUri: 'https://a/k' }]);
    assert.throws(() => checkAuthConfig({ SANGAM_AUTH_TRUSTED_ISSUERS: twice }, dev), refusal('SANGAM_AUTH_TRUSTED_ISSUERS', /listed twice/));
  });

  it('always trusts the site itself, by its own key rather than over the network', async () => {
    const self = JSON.stringify([{ issuer: 'https://sangam.hospital.example', jwksUri: 'https://sangam.hospital.example/.well-known/jwks.json' }]);
    const c = checkAuthConfig({ SANGAM_AUTH_ISSUER: 'https://sangam.hospital.example/', SANGAM_AUTH_TRUSTED_ISSUERS: self }, prod);
    const siteKey = { kid: 'k', alg: 'ES384', jwks: ES384_KEY.publicJwks } as unknown as Parameters<typeof verifierIssuers>[1];
    const issuers = verifierIssuers(c, siteKey);
    assert.deepEqual(issuers, [{ issuer: 'https://sangam.hospital.example', jwks: ES384_KEY.publicJwks }]);
  });
});
