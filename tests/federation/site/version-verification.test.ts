import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../../src/storage/open-database.ts';
import type { Database } from '../../../src/storage/port.ts';
import { FederationRequestError, type FetchLike } from '../../../src/federation/protocol/client.ts';
import { ENVELOPE_HEADER, parseEnvelopeHeader, RESPONSE_SIGNATURE_HEADER, signResponse } from '../../../src/federation/protocol/envelope.ts';
import { encodeFloat64 } from '../../../src/federation/protocol/float-codec.ts';
import { generateIdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';
import type { VersionResponse } from '../../../src/federation/protocol/messages.ts';
import { createMemorySiteStore } from '../../../src/federation/site/index.ts';
import { LINEAGE, fixedTrainer, startHarness, type Harness } from '../coordinator/harness.ts';

describe('a site checks what the coordinator sends', () => {
  let db: Database;
  let h: Harness;
  before(async () => {
    db = await openDatabase({});
    h = await startHarness(db, { sites: ['site-a', 'site-b', 'site-c'], initialWeights: Float64Array.from([1, 2, 3]) });
  });
  after(async () => {
    await h.close();
    await db.close();
  });

  /**
   * A man in the middle holding the coordinator's answer-signing key (the worst case for the
   * transport): it rewrites the version answer with `edit` and signs the new body for this request.
   */
  const tamper = (edit: (v: VersionResponse) => VersionResponse): FetchLike => async (url, init) => {
    const res = await fetch(url, init);
    if (!url.endsWith('/versions/latest')) return res;
    const body = JSON.stringify(edit((await res.json()) as VersionResponse));
    const nonce = parseEnvelopeHeader(init.headers[ENVELOPE_HEADER]).nonce;
    const signature = signResponse('POST', new URL(url).pathname, nonce, res.status, body, h.coordinatorKeys.privateKey);
    return new Response(body, { status: res.status, headers: { 'content-type': 'application/json', [RESPONSE_SIGNATURE_HEADER]: signature } });
  };

  const refusedWith = (pattern: RegExp) => (err: unknown) => err instanceof Error && pattern.test(err.message);

  it('accepts the genuine version and stores it', async () => {
    const store = createMemorySiteStore();
    const v = await h.participant('site-a', fixedTrainer([0, 0, 0], 1), { store }).fetchLatestVersion(LINEAGE);
    assert.equal(v.manifest.version, 0);
    assert.deepEqual([...v.weights], [1, 2, 3]);
    assert.equal((await store.latestVersion(v.manifest.federationId, LINEAGE))?.manifest.sha256, v.manifest.sha256);
  });

  it('refuses every answer from a coordinator that does not hold the pinned key', async () => {
    const impostorPin = generateIdentityKeys().publicKey;
    const site = h.participant('site-a', fixedTrainer([0, 0, 0], 1), { coordinatorPublicKey: impostorPin });
    await assert.rejects(site.pollOnce(), (err: unknown) => err instanceof FederationRequestError && err.reason === 'BAD_COORDINATOR_SIGNATURE');
    await assert.rejects(site.fetchLatestVersion(LINEAGE), (err: unknown) => err instanceof FederationRequestError && err.reason === 'BAD_COORDINATOR_SIGNATURE');
  });

  it('refuses weights that do not match the SHA-256 of the signed manifest', async () => {
    const swapped = tamper((v) => ({ ...v, weights: encodeFloat64(Float64Array.from([1, 2, 3.5])) }));
    const site = h.participant('site-a', fixedTrainer([0, 0, 0], 1), { fetch: swapped });
    await assert.rejects(site.fetchLatestVersion(LINEAGE), refusedWith(/do not match the SHA-256/));
  });

  it('refuses a manifest changed after the coordinator signed it', async () => {
    const relabelled = tamper((v) => ({ ...v, manifest: { ...v.manifest, contributors: ['site-x'] } }));
    const site = h.participant('site-a', fixedTrainer([0, 0, 0], 1), { fetch: relabelled });
    await assert.rejects(site.fetchLatestVersion(LINEAGE), refusedWith(/not signed by the pinned coordinator key/));
  });

  it('refuses an older version than the one it holds (a rollback)', async () => {
    const store = createMemorySiteStore();
    const site = h.participant('site-a', fixedTrainer([0, 0, 0], 1), { store });
    const current = await site.fetchLatestVersion(LINEAGE);
    await store.saveVersion({ ...current, manifest: { ...current.manifest, version: 4 } });
    await assert.rejects(site.fetchLatestVersion(LINEAGE), refusedWith(/already holds version 4/));
  });
});
