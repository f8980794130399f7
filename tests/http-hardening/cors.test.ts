import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import request from 'supertest';
import { createCors } from '../../src/http-hardening/cors.ts';

const ALLOWED = 'https://tumour-board.example';

function buildApp() {
  let reached = 0;
  const app = express();
  app.use(createCors({ origins: [ALLOWED, 'http://localhost:5173'] }));
  app.all('/graphql', (_req, res) => {
    reached++;
    res.json({ data: {} });
  });
  return { app, reached: () => reached };
}

describe('CORS allowlist', () => {
  it('answers a preflight from an allowed origin with 204, the origin echoed and no credentials', async () => {
    const { app, reached } = buildApp();
    const res = await request(app).options('/graphql').set('origin', ALLOWED).set('access-control-request-method', 'POST').set('access-control-request-headers', 'Content-Type, Authorization');
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
    assert.match(res.headers['access-control-allow-methods'] ?? '', /POST/);
    assert.match(res.headers['access-control-allow-headers'] ?? '', /authorization/);
    assert.match(res.headers['vary'] ?? '', /Origin/);
    assert.equal(reached(), 0, 'the preflight never reaches the route');
  });

  for (const [what, origin, method, headers] of [
    ['another origin', 'https://evil.example', 'POST', 'content-type'],
    ['an origin that differs only by port', 'https://tumour-board.example:8443', 'POST', 'content-type'],
    ['an origin that only starts like an allowed one', 'https://tumour-board.example.evil.example', 'POST', 'content-type'],
    ['a method not allowed', ALLOWED, 'DELETE', 'content-type'],
    ['a header not allowed', ALLOWED, 'POST', 'x-forwarded-host'],
  ] as const) {
    it(`refuses a preflight with ${what}`, async () => {
      const res = await request(buildApp().app).options('/graphql').set('origin', origin).set('access-control-request-method', method).set('access-control-request-headers', headers);
      assert.equal(res.status, 403);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    });
  }

  it('marks actual requests from allowed origins only, and never with a wildcard', async () => {
    const { app } = buildApp();
    const ok = await request(app).post('/graphql').set('origin', ALLOWED);
    assert.equal(ok.headers['access-control-allow-origin'], ALLOWED);
    assert.match(ok.headers['access-control-expose-headers'] ?? '', /RateLimit/);
    const other = await request(app).post('/graphql').set('origin', 'https://evil.example');
    assert.equal(other.status, 200);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const none = await request(app).post('/graphql');
    assert.equal(none.headers['access-control-allow-origin'], undefined);
    assert.equal(none.headers['vary'], 'Origin');
  });

  it('refuses to be built with a wildcard', () => {
    assert.throws(() => createCors({ origins: ['*'] }), /exact origins/);
  });
});
