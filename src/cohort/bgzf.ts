import { crc32, deflateRawSync } from 'node:zlib';
import { BGZF_EOF as EOF_BLOCK } from '../genomics/vcf-lines.ts';

/**
 * BGZF, the blocked gzip that bgzip, htslib and tabix read (SAM/BAM specification, section 4.1):
 * a series of gzip members of at most 64 KiB input each, every member carrying a `BC` extra
 * field with its own compressed size, and a fixed empty member at the end of the file.
 */

const MAX_INPUT = 0xff00; // bgzip's own block input size, leaves room for incompressible data

function block(data: Buffer): Buffer {
  const compressed = deflateRawSync(data, { level: 6 });
  const size = 18 + compressed.length + 8;
  if (size > 0x10000) throw new Error('BGZF block too large');
  const header = Buffer.alloc(18);
  header.writeUInt32BE(0x1f8b0804, 0); // magic, deflate, FEXTRA
  header.writeUInt32LE(0, 4); // mtime
  header[8] = 0; // extra flags
  header[9] = 0xff; // OS unknown
  header.writeUInt16LE(6, 10); // XLEN
  header[12] = 0x42; // 'B'
  header[13] = 0x43; // 'C'
  header.writeUInt16LE(2, 14); // SLEN
  header.writeUInt16LE(size - 1, 16); // BSIZE - 1
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, compressed, trailer]);
}

/** Compresses `text` into a complete BGZF file, EOF marker included. */
export function bgzip(text: string | Buffer): Buffer {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_INPUT) parts.push(block(data.subarray(offset, offset + MAX_INPUT)));
  parts.push(EOF_BLOCK);
  return Buffer.concat(parts);
}
