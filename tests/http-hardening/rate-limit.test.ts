import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { createRateLimiter, type RateLimitOptions } from '../../src/http-hardening/rate-limit.ts';

/** A small app: an optional fake authenticate step (x-test-client names the client), then the limiter. */
function buildApp(options: RateLimitOptions) {
  let t = 0;
  const app = express();
  const fakeAuth: RequestHandler = (req, res, next) => {
    const client = req.get('x-test-client');
    if (client) res.locals.principal = { clientId: client, subject: client, role: 'clinician', scopes: [], tokenId: 't', issuer: 'i' };
    next();
  };
  app.use(fakeAuth, createRateLimiter({ now: () => t, ...options }));
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  app.get('/x', (_req, res) => void res.json({ ok: true }));
  app.get('/fhir/Patient/1', (_req, res) => void res.json({ ok: true }));
  return { app, advance: (ms: number) => void (t += ms) };
}

describe('rate limiting', () => {
  it('lets a burst through, then answers 429 with Retry-After and RateLimit headers', async () => {
    const { app } = buildApp({ perMinute: 60, burst: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await request(app).get('/x');
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['ratelimit'], `"default";r=${2 - i};t=${i + 1}`);
      assert.equal(ok.headers['ratelimit-policy'], '"default";q=60;w=60');
    }
    const refused = await request(app).get('/x');
    assert.equal(refused.status, 429);
    // 60 a minute is one a second: the next token is a second away
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers['ratelimit'], '"default";r=0;t=3');
    assert.equal(refused.body.errors[0].extensions.code, 'RATE_LIMITED');
  });

  it('refills at perMinute', async () => {
    const { app, advance } = buildApp({ perMinute: 60, burst: 2 });
    await request(app).get('/x');
    await request(app).get('/x');
    assert.equal((await request(app).get('/x')).status, 429);
    advance(999);
    assert.equal((await request(app).get('/x')).status, 429);
    advance(1);
    assert.equal((await request(app).get('/x')).status, 200);
    assert.equal((await request(app).get('/x')).status, 429);
    advance(60_000);
    assert.equal((await request(app).get('/x')).status, 200);
    assert.equal((await request(app).get('/x')).status, 200);
    assert.equal((await request(app).get('/x')).status, 429);
  });

  it('counts authenticated callers by client id, apart from each other and from anonymous callers', async () => {
    const { app } = buildApp({ perMinute: 60, burst: 1 });
    assert.equal((await request(app).get('/x').set('x-test-client', 'a')).status, 200);
    assert.equal((await request(app).get('/x').set('x-test-client', 'a')).status, 429);
    assert.equal((await request(app).get('/x').set('x-test-client', 'b')).status, 200);
    // same address, no principal: its own bucket
    assert.equal((await request(app).get('/x')).status, 200);
    assert.equal((await request(app).get('/x')).status, 429);
  });

  it('answers FHIR paths with an OperationOutcome', async () => {
    const { app } = buildApp({ perMinute: 60, burst: 1 });
    await request(app).get('/fhir/Patient/1');
    const res = await request(app).get('/fhir/Patient/1');
    assert.equal(res.status, 429);
    assert.match(res.headers['content-type'] ?? '', /application\/fhir\+json/);
    const outcome = JSON.parse(res.text);
    assert.equal(outcome.resourceType, 'OperationOutcome');
    assert.equal(outcome.issue[0].code, 'throttled');
  });

  it('never counts health checks, and is off at perMinute 0', async () => {
    const { app } = buildApp({ perMinute: 60, burst: 1 });
    for (let i = 0; i < 5; i++) assert.equal((await request(app).get('/health')).status, 200);
    const off = buildApp({ perMinute: 0 });
    for (let i = 0; i < 5; i++) assert.equal((await request(off.app).get('/x')).status, 200);
  });

  it('remembers at most maxClients, forgetting the least recently seen', async () => {
    const { app } = buildApp({ perMinute: 60, burst: 1, maxClients: 2 });
    assert.equal((await request(app).get('/x').set('x-test-client', 'a')).status, 200);
    assert.equal((await request(app).get('/x').set('x-test-client', 'b')).status, 200);
    assert.equal((await request(app).get('/x').set('x-test-client', 'a')).status, 429); // a is now the most recent
    assert.equal((await request(app).get('/x').set('x-test-client', 'c')).status, 200); // evicts b
    assert.equal((await request(app).get('/x').set('x-test-client', 'a')).status, 429); // a was kept
    assert.equal((await request(app).get('/x').set('x-test-client', 'b')).status, 200); // b starts afresh
  });
});
