/**
 * The pseudorandom generator that expands a 32-byte seed into a mask: the ChaCha20 keystream
 * (RFC 8439, https://www.rfc-editor.org/rfc/rfc8439) read as little-endian uint32 words, i.e.
 * uniform on Z_{2^32}. Node's 'chacha20' takes a 16-byte iv laid out as a 4-byte little-endian block
 * counter then the 12-byte nonce; both are zero here, which is safe because every seed is used for
 * exactly one stream: b_u is drawn fresh each round and each s_uv is bound to the round by HKDF.
 */
import { createCipheriv } from 'node:crypto';

/** Bytes in a PRG seed (a ChaCha20 key). */
export const SEED_BYTES = 32;

const ZERO_IV = Buffer.alloc(16);

/** The first `bytes` bytes of the ChaCha20 keystream under `key` and `iv` (counter ‖ nonce). */
export function chacha20Keystream(key: Uint8Array, bytes: number, iv: Uint8Array = ZERO_IV): Buffer {
  if (key.length !== SEED_BYTES) throw new RangeError(`a ChaCha20 key has ${SEED_BYTES} bytes, not ${key.length}`);
  const cipher = createCipheriv('chacha20', key, iv);
  // Encrypting zeros yields the keystream itself.
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

/** PRG(seed) as `words` uint32 values (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281). */
export function expandSeed(seed: Uint8Array, words: number): Uint32Array {
  const stream = chacha20Keystream(seed, words * 4);
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = stream.readUInt32LE(i * 4);
  return out;
}

/**
 * acc ← acc + sign·PRG(seed) mod 2^32, in place. Writing into a Uint32Array reduces mod 2^32 by
 * itself (ToUint32), and every intermediate is an exact integer far below 2^53.
 */
export function addMask(acc: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  const stream = chacha20Keystream(seed, acc.length * 4);
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + sign * stream.readUInt32LE(i * 4);
}

/** a ← a + b mod 2^32, in place. */
export function addVectors(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new RangeError(`vectors of ${a.length} and ${b.length} words cannot be added`);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}
