/**
 * Binary fields in protocol messages are base64 strings, so every message is plain JSON. Decoding
 * checks the exact byte length: Buffer.from(…, 'base64') skips characters it does not know, so a
 * length check is what catches a truncated or padded field.
 */
import { protocolViolation } from './errors.ts';

/** Base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The bytes of a base64 field that must hold exactly `length` bytes; `what` names it in the error. */
export function fromBase64(text: string, length: number, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length) throw protocolViolation(`${what} must hold ${length} bytes, not ${bytes.length}`);
  return bytes;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** uint32 words as little-endian base64, whatever the host's byte order. */
export function encodeWords(words: Uint32Array): string {
  if (LITTLE_ENDIAN) return Buffer.from(words.buffer, words.byteOffset, words.byteLength).toString('base64');
  const bytes = Buffer.alloc(words.length * 4);
  for (let i = 0; i < words.length; i++) bytes.writeUInt32LE(words[i]!, i * 4);
  return bytes.toString('base64');
}

/** Exactly `count` little-endian uint32 words from base64. */
export function decodeWords(text: string, count: number, what: string): Uint32Array {
  const bytes = fromBase64(text, count * 4, what);
  const words = new Uint32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(words.buffer).set(bytes);
    return words;
  }
  for (let i = 0; i < count; i++) words[i] = bytes.readUInt32LE(i * 4);
  return words;
}
