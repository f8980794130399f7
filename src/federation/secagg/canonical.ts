/**
 * What every site and the coordinator must compute bit for bit alike: the order of site ids (which
 * fixes the sign of each pairwise mask and the x-coordinate of each Shamir share) and the byte
 * encoding of labels that go into HKDF `info` and AES-GCM additional data.
 */

/** Protocol label; bump it if anything below changes, so old and new sites cannot mix silently. */
export const PROTOCOL_LABEL = 'sangam/secagg/v1';

/**
 * Orders site ids by UTF-16 code units, never by locale, so that every machine agrees. The paper
 * only needs some total order on users (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281).
 */
export function compareSiteIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sorted copy of `ids`. */
export function sortSiteIds(ids: Iterable<string>): string[] {
  return [...ids].sort(compareSiteIds);
}

/**
 * Sign of the pairwise mask p_uv in y_u: +1 when u comes before v, −1 after, so that p_uv + p_vu = 0
 * (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281).
 */
export function pairSign(u: string, v: string): 1 | -1 {
  return compareSiteIds(u, v) < 0 ? 1 : -1;
}

/**
 * Each part as a 2-byte big-endian length and its UTF-8 bytes. Length prefixes keep
 * ("a|b", "c") and ("a", "b|c") apart, whatever characters site ids may hold.
 */
export function encodeContext(parts: readonly string[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of [PROTOCOL_LABEL, ...parts]) {
    const bytes = Buffer.from(part, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError('context part longer than 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks);
}
