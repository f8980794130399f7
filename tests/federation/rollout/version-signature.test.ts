import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, cardHash, signVersion, verifyVersion } from '../../../src/federation/rollout/version-signature.ts';
import { baseCardJson } from './rollout-fixtures.ts';

const coordinator = generateKeyPairSync('ed25519');
const claims = { lineage: 'brca-os', version: '2', sha256: 'a'.repeat(64), cardHash: cardHash(baseCardJson) };

describe('version signatures (Ed25519)', () => {
  it('verifies the coordinator signature against the pinned public key, as a KeyObject or PEM', () => {
    const signature = signVersion(coordinator.privateKey, claims);
    assert.equal(Buffer.from(signature, 'base64').length, 64);
    assert.equal(verifyVersion(coordinator.publicKey, claims, signature), true);
    assert.equal(verifyVersion(coordinator.publicKey.export({ type: 'spki', format: 'pem' }).toString(), claims, signature), true);
  });

  it('fails for any changed claim, another key, or a malformed signature', () => {
    const signature = signVersion(coordinator.privateKey, claims);
    for (const changed of [{ lineage: 'brca-os2' }, { version: '3' }, { sha256: 'b'.repeat(64) }, { cardHash: 'c'.repeat(64) }]) {
      assert.equal(verifyVersion(coordinator.publicKey, { ...claims, ...changed }, signature), false, JSON.stringify(changed));
    }
    assert.equal(verifyVersion(generateKeyPairSync('ed25519').publicKey, claims, signature), false);
    assert.equal(verifyVersion(coordinator.publicKey, claims, signature.slice(0, -4)), false);
    assert.equal(verifyVersion(coordinator.publicKey, claims, 'not base64!'), false);
    // fields are length-prefixed: moving a character across the lineage/version boundary changes the message
    const shifted = signVersion(coordinator.privateKey, { ...claims, lineage: 'brca-os2', version: '' });
    assert.equal(verifyVersion(coordinator.publicKey, { ...claims, lineage: 'brca-os', version: '2' }, shifted), false);
  });

  it('hashes the card as received: key order does not matter, any change to a value or an added key does', () => {
    const card = baseCardJson as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(card).reverse());
    assert.equal(cardHash(reordered), cardHash(card));
    assert.notEqual(cardHash({ ...card, intendedUse: `${String(card.intendedUse)} ` }), cardHash(card));
    assert.notEqual(cardHash({ ...card, extra: true }), cardHash(card));
    assert.equal(canonicalJson({ b: [1, { d: 2, c: 'x' }], a: null }), '{"a":null,"b":[1,{"c":"x","d":2}]}');
  });

  it('refuses keys that are not Ed25519, and verification with a private key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => signVersion(rsa.privateKey, claims), /Ed25519/);
    assert.throws(() => verifyVersion(rsa.publicKey, claims, 'x'), /Ed25519/);
    assert.throws(() => verifyVersion(coordinator.privateKey, claims, 'x'), /public key/);
  });
});
