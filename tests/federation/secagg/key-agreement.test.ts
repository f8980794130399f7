import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivePairKey, generateX25519KeyPair, hkdfSha256, x25519, x25519PublicKey } from '../../../src/federation/secagg/key-agreement.ts';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('HKDF-SHA256', () => {
  it('matches RFC 5869 appendix A.1 (test case 1)', () => {
    const okm = hkdfSha256(Buffer.alloc(22, 0x0b), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    assert.equal(okm.toString('hex'), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('X25519 with raw keys', () => {
  // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret.
  const alicePrivate = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPrivate = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('derives the RFC 7748 §6.1 public keys from the raw private keys', () => {
    assert.equal(x25519PublicKey(alicePrivate).toString('hex'), alicePublic);
    assert.equal(x25519PublicKey(bobPrivate).toString('hex'), bobPublic);
  });

  it('agrees on the RFC 7748 §6.1 shared secret from both ends', () => {
    assert.equal(x25519(alicePrivate, hex(bobPublic)).toString('hex'), shared);
    assert.equal(x25519(bobPrivate, hex(alicePublic)).toString('hex'), shared);
  });

  it('exports fresh key pairs as 32 raw bytes that belong together', () => {
    const pair = generateX25519KeyPair();
    assert.equal(pair.publicKey.length, 32);
    assert.equal(pair.privateKey.length, 32);
    assert.deepEqual(x25519PublicKey(pair.privateKey), pair.publicKey);
  });

  it('refuses the all-zero (low-order) public key', () => {
    assert.throws(() => x25519(alicePrivate, Buffer.alloc(32)));
  });
});

describe('pairwise keys', () => {
  const a = generateX25519KeyPair();
  const b = generateX25519KeyPair();
  const context = { purpose: 'mask' as const, roundId: 'r1', sites: ['site-a', 'site-b'] as const };

  it('are the same from both ends, whichever order the sites are named in', () => {
    const ab = derivePairKey(a.privateKey, b.publicKey, context);
    const ba = derivePairKey(b.privateKey, a.publicKey, { ...context, sites: ['site-b', 'site-a'] });
    assert.equal(ab.length, 32);
    assert.deepEqual(ab, ba);
  });

  it('are HKDF over the X25519 secret with the round, purpose and sorted sites as info', () => {
    // Rebuilt by hand from the documented encoding: 2-byte length + UTF-8, label first.
    const part = (s: string) => Buffer.concat([Buffer.from([0, Buffer.byteLength(s)]), Buffer.from(s)]);
    const info = Buffer.concat(['sangam/secagg/v1', 'mask', 'r1', 'site-a', 'site-b'].map(part));
    const expected = hkdfSha256(x25519(a.privateKey, b.publicKey), Buffer.alloc(0), info, 32);
    assert.deepEqual(derivePairKey(a.privateKey, b.publicKey, { ...context, sites: ['site-b', 'site-a'] }), expected);
  });

  it('differ between rounds and between purposes', () => {
    const base = derivePairKey(a.privateKey, b.publicKey, context);
    assert.notDeepEqual(derivePairKey(a.privateKey, b.publicKey, { ...context, roundId: 'r2' }), base);
    assert.notDeepEqual(derivePairKey(a.privateKey, b.publicKey, { ...context, purpose: 'share-encryption' }), base);
  });
});
