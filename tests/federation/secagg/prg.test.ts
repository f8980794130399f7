import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addMask, chacha20Keystream, expandSeed } from '../../../src/federation/secagg/prg.ts';

const hex = (s: string) => Buffer.from(s, 'hex');
const KEY_00_1F = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

/** Node's 16-byte chacha20 iv: the 32-bit block counter, little-endian, then the 96-bit nonce. */
function iv(counter: number, nonce: string): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32LE(counter, 0);
  hex(nonce).copy(out, 4);
  return out;
}

describe('ChaCha20 keystream', () => {
  it('matches RFC 8439 appendix A.1 test vector #1 (zero key, zero nonce, counter 0), which is the PRG\'s own setting', () => {
    assert.equal(
      chacha20Keystream(Buffer.alloc(32), 64).toString('hex'),
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
    );
  });

  it('matches RFC 8439 appendix A.1 test vector #2 (counter 1) through the iv layout', () => {
    assert.equal(
      chacha20Keystream(Buffer.alloc(32), 64, iv(1, '000000000000000000000000')).toString('hex'),
      '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f',
    );
  });

  it('reproduces the RFC 8439 §2.4.2 ciphertext as plaintext XOR keystream', () => {
    const plaintext = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const stream = chacha20Keystream(KEY_00_1F, plaintext.length, iv(1, '000000000000004a00000000'));
    const ciphertext = Buffer.from(plaintext.map((p, i) => p ^ stream[i]!));
    assert.equal(
      ciphertext.toString('hex'),
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d',
    );
  });
});

describe('PRG', () => {
  it('reads the keystream as little-endian uint32 words', () => {
    // 76 b8 e0 ad | a0 f1 3d 90 are the first keystream bytes of vector #1 above.
    assert.deepEqual(Array.from(expandSeed(Buffer.alloc(32), 2)), [0xade0b876, 0x903df1a0]);
  });

  it('adds and removes a mask mod 2^32, wrapping both ways', () => {
    const seed = KEY_00_1F;
    const x = Uint32Array.from([0, 1, 0xffffffff, 123456789]);
    const y = Uint32Array.from(x);
    addMask(y, seed, 1);
    const mask = expandSeed(seed, 4);
    y.forEach((v, i) => assert.equal(v, (x[i]! + mask[i]!) % 2 ** 32));
    addMask(y, seed, -1);
    assert.deepEqual(y, x);
  });
});
