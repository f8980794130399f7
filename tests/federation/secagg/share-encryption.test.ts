import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SecAggError } from '../../../src/federation/secagg/errors.ts';
import { decryptShare, encryptShare, type EncryptedShare } from '../../../src/federation/secagg/share-encryption.ts';
import { collectKeys, openRound, routeShares } from '../../../src/federation/secagg/protocol-server.ts';
import { advertiseKeys, maskInput, shareKeys } from '../../../src/federation/secagg/protocol-site.ts';

const isTampered = (err: unknown) => err instanceof SecAggError && err.reason === 'TAMPERED' && err.code === 'BAD_INPUT';

/** Flips one bit of byte `at` in a base64 field. */
function flip(field: string, at = 0): string {
  const bytes = Buffer.from(field, 'base64');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}

describe('share encryption (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const address = { roundId: 'r1', from: 'site-a', to: 'site-b' };
  const plaintext = randomBytes(64);
  const sealed = encryptShare(key, address, plaintext);

  it('round-trips and hides the plaintext', () => {
    assert.deepEqual(decryptShare(key, sealed, address), plaintext);
    assert.equal(Buffer.from(sealed.ciphertext, 'base64').length, 64);
    assert.notDeepEqual(Buffer.from(sealed.ciphertext, 'base64'), plaintext);
    // A fresh IV each time: the same share never encrypts to the same bytes twice.
    assert.notEqual(encryptShare(key, address, plaintext).ciphertext, sealed.ciphertext);
  });

  for (const field of ['ciphertext', 'iv', 'tag'] as const) {
    it(`rejects a share whose ${field} was altered`, () => {
      const tampered: EncryptedShare = { ...sealed, [field]: flip(sealed[field], 5) };
      assert.throws(() => decryptShare(key, tampered, address), isTampered);
    });
  }

  it('rejects a share replayed into another round (the round id is authenticated)', () => {
    assert.throws(() => decryptShare(key, sealed, { ...address, roundId: 'r2' }), isTampered);
  });

  it('rejects a share relabelled as going the other way', () => {
    const reversed = { ...sealed, from: 'site-b', to: 'site-a' };
    assert.throws(() => decryptShare(key, reversed, { roundId: 'r1', from: 'site-b', to: 'site-a' }), isTampered);
  });

  it('rejects a share under another key', () => {
    assert.throws(() => decryptShare(randomBytes(32), sealed, address), isTampered);
  });
});

describe('a coordinator that alters a relayed share', () => {
  it('is caught by the receiving site before it masks anything', () => {
    const sites = ['a', 'b', 'c'];
    const opened = openRound({ roundId: 'r1', sites, vectorLength: 4 });
    const steps = sites.map((id) => advertiseKeys(opened.message, id));
    const keys = collectKeys(opened.state, steps.map((s) => s.message));
    const shared = steps.map((s) => shareKeys(s.state, keys.message));
    const routed = routeShares(keys.state, shared.map((s) => s.message));
    const delivery = routed.message[0]!;
    const forged = { ...delivery, shares: delivery.shares.map((s, i) => (i === 0 ? { ...s, ciphertext: flip(s.ciphertext, 40) } : s)) };
    assert.throws(() => maskInput(shared[0]!.state, forged, [0, 0, 0, 0]), isTampered);
    // The genuine delivery still works.
    assert.equal(maskInput(shared[0]!.state, delivery, [0, 0, 0, 0]).state.phase, 'masked');
  });
});
