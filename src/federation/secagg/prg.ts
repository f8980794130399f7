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
// Keystream words are read straight off the cipher's output when the host is little-endian (every
// platform Node ships for), instead of one readUInt32LE call per word: the masks are the hot path.
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
let zeros = Buffer.alloc(0);

/** The first `bytes` bytes of the ChaCha20 keystream under `key` and `iv` (counter ‖ nonce). */
export function chacha20Keystream(key: Uint8Array, bytes: number, iv: Uint8Array = ZERO_IV): Buffer {
  if (key.length !== SEED_BYTES) throw new RangeError(`a ChaCha20 key has ${SEED_BYTES} bytes, not ${key.length}`);
  const cipher = createCipheriv('chacha20', key, iv);
  // Encrypting zeros yields the keystream itself; the zeros are shared and never written to.
  if (zeros.length < bytes) zeros = Buffer.alloc(bytes);
  const stream = cipher.update(zeros.subarray(0, bytes));
  // a stream cipher holds nothing back, so final() is empty and the update is the whole keystream
  cipher.final();
  return stream;
}

/** The keystream under `seed` as `words` little-endian uint32 values. */
function keystreamWords(seed: Uint8Array, words: number): Uint32Array {
  const stream = chacha20Keystream(seed, words * 4);
  if (LITTLE_ENDIAN && stream.byteOffset % 4 === 0) return new Uint32Array(stream.buffer, stream.byteOffset, words);
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = stream.readUInt32LE(i * 4);
  return out;
}

/** PRG(seed) as `words` uint32 values (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281). */
export function expandSeed(seed: Uint8Array, words: number): Uint32Array {
  return Uint32Array.from(keystreamWords(seed, words));
}

/**
 * acc ← acc + sign·PRG(seed) mod 2^32, in place. Writing into a Uint32Array reduces mod 2^32 by
 * itself (ToUint32), and every intermediate is an exact integer far below 2^53.
 */
export function addMask(acc: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  const mask = keystreamWords(seed, acc.length);
  // two loops rather than a multiplication by ±1 in one: this is the innermost loop of a round
  if (sign === 1) for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + mask[i]!;
  else for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! - mask[i]!;
}

/** One PRG stream to add to (sign 1) or take from (sign −1) a vector. */
export interface Mask {
  seed: Uint8Array;
  sign: 1 | -1;
}

/**
 * acc ← acc + Σ sign·PRG(seed) mod 2^32 over `masks`, in place. (Walking the vector once in
 * cache-sized chunks with every stream open was tried and measured slower: Node's per-call cipher
 * overhead outweighs the cache gain at 100k words.)
 */
export function addMasks(acc: Uint32Array, masks: readonly Mask[]): void {
  for (const m of masks) addMask(acc, m.seed, m.sign);
}

/** a ← a + b mod 2^32, in place. */
export function addVectors(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new RangeError(`vectors of ${a.length} and ${b.length} words cannot be added`);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}
