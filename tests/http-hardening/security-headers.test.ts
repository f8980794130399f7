import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createSecurityHeaders, type SecurityHeadersOptions } from '../../src/http-hardening/security-headers.ts';

function buildApp(options: SecurityHeadersOptions, secure = false) {
  const app = express();
  if (secure) app.use((req, _res, next) => (Object.defineProperty(req, 'secure', { value: true }), next()));
  app.use(createSecurityHeaders(options));
  app.get('/graphql', (_req, res) => void res.type('html').send('<!doctype html><title>GraphiQL</title>'));
  app.post('/graphql', (_req, res) => void res.json({ data: {} }));
  app.get('/fhir/metadata', (_req, res) => void res.json({ resourceType: 'CapabilityStatement' }));
  return app;
}

const directives = (csp: string | undefined) => Object.fromEntries((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));

describe('security headers', () => {
  it('gives API answers a CSP that allows nothing, nosniff, no referrer, no framing and no-store', async () => {
    const res = await request(buildApp({ graphiql: true })).get('/fhir/metadata');
    const csp = directives(res.headers['content-security-policy']);
    assert.equal(csp['default-src'], "'none'");
    assert.equal(csp['frame-ancestors'], "'none'");
    assert.equal(csp['script-src'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  });

  it('gives the GraphiQL page a CSP that runs its inline code, from this origin only, and still no framing', async () => {
    const res = await request(buildApp({ graphiql: true })).get('/graphql').set('accept', 'text/html');
    const csp = directives(res.headers['content-security-policy']);
    assert.equal(csp['default-src'], "'self'");
    assert.equal(csp['script-src'], "'self' 'unsafe-inline'");
    assert.equal(csp['worker-src'], "'self' blob:");
    assert.equal(csp['connect-src'], "'self'");
    assert.equal(csp['frame-ancestors'], "'none'");
    assert.doesNotMatch(res.headers['content-security-policy'] ?? '', /unsafe-eval|https?:/);
    // a GraphQL POST on the same path is an API answer
    const post = await request(buildApp({ graphiql: true })).post('/graphql');
    assert.equal(directives(post.headers['content-security-policy'])['default-src'], "'none'");
  });

  it('keeps the API CSP on /graphql when GraphiQL is off (production)', async () => {
    const res = await request(buildApp({ graphiql: false })).get('/graphql').set('accept', 'text/html');
    assert.equal(directives(res.headers['content-security-policy'])['default-src'], "'none'");
  });

  it('sends HSTS on TLS requests unless turned off', async () => {
    const on = await request(buildApp({ hstsMaxAgeSeconds: 600 }, true)).get('/fhir/metadata');
    assert.equal(on.headers['strict-transport-security'], 'max-age=600; includeSubDomains');
    const off = await request(buildApp({ hsts: false }, true)).get('/fhir/metadata');
    assert.equal(off.headers['strict-transport-security'], undefined);
  });
});
