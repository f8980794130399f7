import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { decodeTile, type DecodedTile } from '../../src/pathology/decode-tile.ts';

/** Bytes of a tile fixture under tests/fixtures/tiles/ (never from ../shared). */
export function tileBytes(relative: string): Buffer {
  return readFileSync(new URL(`../fixtures/tiles/${relative}`, import.meta.url));
}

/** Decodes a tile fixture with the production decoder. */
export function loadTile(relative: string): Promise<DecodedTile> {
  return decodeTile(tileBytes(relative), relative);
}

/** Names (without .png) of every histolab fixture. */
export const HISTOLAB_TILES = readdirSync(new URL('../fixtures/tiles/histolab/', import.meta.url))
  .filter((f) => f.endsWith('.png'))
  .map((f) => f.slice(0, -4))
  .sort();

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid-looking 8-bit RGB PNG whose header declares width × height but whose image data holds only
 * `rows` rows: the shape of a decompression bomb, without the gigabytes.
 */
export function pngDeclaring(width: number, height: number, rows = 1): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter, no interlace
  const raw = Buffer.alloc(rows * (1 + width * 3)); // filter byte 0 and black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A width × height packed-RGB tile of one colour. */
export function solidTile(width: number, height: number, [r, g, b]: readonly [number, number, number]): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < rgb.length; p += 3) {
    rgb[p] = r;
    rgb[p + 1] = g;
    rgb[p + 2] = b;
  }
  return rgb;
}
