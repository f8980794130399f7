import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../helpers/databases.ts';
import type { Database } from '../../../src/storage/port.ts';
import type { FederationClient } from '../../../src/federation/protocol/client.ts';
import { encodeFloat64 } from '../../../src/federation/protocol/float-codec.ts';
import { generateIdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';
import { FEDERATION, LINEAGE, startHarness, type Harness } from './harness.ts';

const SITES = ['site-a', 'site-b', 'site-c'];
const ROUND = 'round-guarded';
const PATH = `federation/v1/rounds/${ROUND}/updates`;
const update = (values: number[], numExamples = 4) => ({ delta: encodeFloat64(Float64Array.from(values)), numExamples, privacy: null });

async function refused(client: FederationClient, path: string, roundId: string | null, body: unknown): Promise<{ status: number; code: string; reason: string }> {
  const res = await client.send(client.prepare(path, roundId, body));
  const error = (res.json as { error: { code: string; reason: string } }).error;
  return { status: res.status, code: error.code, reason: error.reason };
}

for (const target of testDatabases()) {
  describe(`federation request checks on ${target.name}`, () => {
    let db: Database;
    let h: Harness;
    before(async () => {
      db = await target.open();
      h = await startHarness(db, { sites: SITES, initialWeights: Float64Array.from([0, 0, 0, 0]), maxBodyBytes: 4096 });
      await h.coordinator.openRound({
        federationId: FEDERATION, lineageId: LINEAGE, roundId: ROUND, strategy: { name: 'fedavg' },
        localSteps: 1, learningRate: 0.1, batchSize: 4, quorum: 3, durationMs: 3_600_000, maxDeltaNorm: 10, maxNumExamples: 1000,
      });
    });
    after(async () => {
      await h.close();
      await db.close();
    });

    const rejectionLogged = (reason: string) =>
      h.logs().some((l) => l.msg === 'federation request rejected' && l.reason === reason);

    it('refuses a captured request sent again, also after a coordinator restart, and later by its age', async () => {
      const a = h.client('site-a');
      const captured = a.prepare(PATH, ROUND, update([1, 0, 0, 0]));
      assert.equal((await a.send(captured)).status, 201);
      const again = await a.send(captured);
      assert.equal(again.status, 409);
      assert.equal((again.json as { error: { reason: string } }).error.reason, 'REPLAY');
      await h.restart();
      const afterRestart = await a.send({ ...captured, url: captured.url.replace(/:\d+\//, `:${new URL(h.url).port}/`) });
      assert.equal(afterRestart.status, 409);
      assert.equal((afterRestart.json as { error: { reason: string } }).error.reason, 'REPLAY');
      assert.ok(rejectionLogged('REPLAY'));

      // once the skew window has passed the nonce is forgotten, and the timestamp refuses the replay instead
      h.clock.now += 6 * 60_000;
      await h.coordinator.tick();
      const nonces = await db.query<{ n: number }>('SELECT count(*) AS n FROM federation_nonce WHERE nonce = $1', [captured.envelope.nonce]);
      assert.equal(nonces.rows[0]!.n, 0);
      const old = await a.send(captured);
      assert.equal(old.status, 401);
      assert.equal((old.json as { error: { reason: string } }).error.reason, 'STALE');
    });

    it('refuses a forged signature, a body changed after signing, an unknown site and a skewed clock', async () => {
      const forger = h.client('site-b', { privateKey: generateIdentityKeys().privateKey });
      assert.deepEqual(await refused(forger, PATH, ROUND, update([1, 0, 0, 0])), { status: 401, code: 'UNAUTHENTICATED', reason: 'BAD_SIGNATURE' });

      const b = h.client('site-b');
      const signed = b.prepare(PATH, ROUND, update([1, 0, 0, 0]));
      const tampered = await b.send({ ...signed, body: JSON.stringify(update([5, 0, 0, 0])) });
      assert.equal(tampered.status, 401);
      assert.equal((tampered.json as { error: { reason: string } }).error.reason, 'BAD_SIGNATURE');

      const stranger = generateIdentityKeys();
      assert.equal((await refused(h.client('site-z', { privateKey: stranger.privateKey }), PATH, ROUND, update([1, 0, 0, 0]))).reason, 'UNKNOWN_SITE');
      assert.equal((await refused(h.client('site-b', { skewMs: -6 * 60_000 }), PATH, ROUND, update([1, 0, 0, 0]))).reason, 'STALE');
      for (const reason of ['BAD_SIGNATURE', 'UNKNOWN_SITE', 'STALE']) assert.ok(rejectionLogged(reason), reason);
    });

    it('refuses a request bound to another round, or to a round that does not exist', async () => {
      const b = h.client('site-b');
      assert.deepEqual(await refused(b, PATH, 'round-other', update([1, 0, 0, 0])), { status: 409, code: 'CONFLICT', reason: 'WRONG_ROUND' });
      assert.equal((await refused(b, 'federation/v1/rounds/round-nope/updates', 'round-nope', update([1, 0, 0, 0]))).reason, 'WRONG_ROUND');
      assert.equal((await refused(b, 'federation/v1/work', ROUND, {})).reason, 'WRONG_ROUND');
      assert.ok(rejectionLogged('WRONG_ROUND'));
    });

    it('refuses NaN and ±Infinity, a wrong length, a malformed body, too many examples and too large a norm', async () => {
      const b = h.client('site-b');
      // JSON cannot carry NaN, but float64 base64 can: the coordinator must look at the values
      assert.deepEqual(await refused(b, PATH, ROUND, update([1, Number.NaN, 0, 0])), { status: 400, code: 'BAD_INPUT', reason: 'NON_FINITE' });
      assert.equal((await refused(b, PATH, ROUND, update([1, 0, Number.POSITIVE_INFINITY, 0]))).reason, 'NON_FINITE');
      assert.equal((await refused(b, PATH, ROUND, update([1, 0, 0]))).reason, 'WRONG_SHAPE');
      assert.equal((await refused(b, PATH, ROUND, update([1, 0, 0, 0, 0]))).reason, 'WRONG_SHAPE');
      assert.equal((await refused(b, PATH, ROUND, { delta: [1, 0, 0, 0], numExamples: 4, privacy: null })).reason, 'WRONG_SHAPE');
      assert.equal((await refused(b, PATH, ROUND, update([1, 0, 0, 0], 0))).reason, 'BAD_NUM_EXAMPLES');
      assert.equal((await refused(b, PATH, ROUND, update([1, 0, 0, 0], 5000))).reason, 'TOO_MANY_EXAMPLES');
      // ‖(8, 8, 0, 0)‖ = 11.3 > 10
      assert.equal((await refused(b, PATH, ROUND, update([8, 8, 0, 0]))).reason, 'NORM_TOO_LARGE');
      for (const reason of ['NON_FINITE', 'WRONG_SHAPE', 'BAD_NUM_EXAMPLES', 'TOO_MANY_EXAMPLES', 'NORM_TOO_LARGE']) assert.ok(rejectionLogged(reason), reason);
      // none of those was stored, so site-b can still send a good update
      assert.equal((await b.send(b.prepare(PATH, ROUND, update([0, 1, 0, 0])))).status, 201);
    });

    it('refuses a body over the limit with 413 TOO_LARGE', async () => {
      const c = h.client('site-c');
      const res = await refused(c, PATH, ROUND, { ...update([1, 0, 0, 0]), padding: 'x'.repeat(5000) });
      assert.deepEqual(res, { status: 413, code: 'PAYLOAD_TOO_LARGE', reason: 'TOO_LARGE' });
      assert.ok(rejectionLogged('TOO_LARGE'));
    });

    it('logs each refusal with the claimed site and never a parameter value', () => {
      const lines = h.logs().filter((l) => l.msg === 'federation request rejected');
      assert.ok(lines.length >= 14);
      assert.ok(lines.every((l) => typeof l.reason === 'string' && typeof l.path === 'string'));
      assert.ok(lines.some((l) => l.siteId === 'site-z' && l.authenticated === false));
      const text = JSON.stringify(h.logs());
      for (const values of [[8, 8, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]]) assert.ok(!text.includes(encodeFloat64(Float64Array.from(values))));
    });
  });
}
