/**
 * Parameter vectors travel as little-endian IEEE 754 float64 in base64: bit-exact (JSON numbers would
 * round-trip too, but NaN and ±Infinity would silently become null), and about half the size of
 * decimal text. Keeping NaN representable is deliberate: the coordinator must see it to refuse it
 * with NON_FINITE instead of mistaking it for a malformed body.
 */
import { reject, RejectReason } from './rejections.ts';

// On a little-endian host (every platform Node ships for) the bytes are copied whole instead of one
// writeDoubleLE/readDoubleLE call per value; big-endian hosts take the per-value path.
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** Base64 of `values` as little-endian float64, whatever the host's byte order. */
export function encodeFloat64(values: Float64Array): string {
  return float64Bytes(values).toString('base64');
}

/** Raw little-endian float64 bytes of `values` (what the database stores as bytea). */
export function float64Bytes(values: Float64Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, i * 8);
  return bytes;
}

/** Float64 values of little-endian bytes; the byte count must be a multiple of 8. */
export function float64FromBytes(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0) throw reject(RejectReason.WRONG_SHAPE, `a float64 vector cannot be ${bytes.length} bytes long`);
  const out = new Float64Array(bytes.length / 8);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.readDoubleLE(i * 8);
  return out;
}

/**
 * Decodes a base64 float64 vector of exactly `expectedLength` values; another length is WRONG_SHAPE.
 * Buffer.from skips characters that are not base64, so the re-encoding check is what catches them.
 */
export function decodeFloat64(text: string, expectedLength: number, what: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw reject(RejectReason.WRONG_SHAPE, `${what} is not canonical base64`);
  if (bytes.length !== expectedLength * 8) {
    throw reject(RejectReason.WRONG_SHAPE, `${what} holds ${bytes.length / 8} values; the model has ${expectedLength}`);
  }
  return float64FromBytes(bytes);
}

/** Index of the first NaN or ±Infinity, or −1. */
export function firstNonFinite(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
