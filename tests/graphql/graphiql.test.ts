import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('GraphiQL', () => {
  let db: Database;
  before(async () => {
    db = await openDatabase({});
  });
  after(() => db.close());

  it('is served in development with no script from another host', async () => {
    const res = await request(buildTestApp(db, { env: 'development' }).app).get('/graphql').set('accept', 'text/html');
    assert.equal(res.status, 200);
    assert.match(res.text, /<title>Sangam site node<\/title>/);
    assert.deepEqual(res.text.match(/<script[^>]+src=/g) ?? [], []);
  });

  it('is off in production', async () => {
    const res = await request(buildTestApp(db, { env: 'production' }).app).get('/graphql').set('accept', 'text/html');
    assert.notEqual(res.status, 200);
  });
});
