import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';

/**
 * Tile input generators: small real PNG, JPEG and TIFF tiles (made here, plus a histolab fixture)
 * truncated, bit-flipped, given huge declared dimensions (with and without a valid checksum), or
 * dressed as another format; plus arbitrary bytes and hostile file names.
 */

async function makeTile(format: 'png' | 'jpeg' | 'tiff', size: number): Promise<Buffer> {
  // a pinkish gradient: enough tissue-like colour for the pipeline to run all its stages
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    raw[i * 3] = 180 + ((i * 7) % 60);
    raw[i * 3 + 1] = 80 + ((i * 13) % 80);
    raw[i * 3 + 2] = 150 + ((i * 5) % 70);
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).toFormat(format).toBuffer();
}

const bases: Buffer[] = [
  await makeTile('png', 48),
  await makeTile('jpeg', 48),
  await makeTile('tiff', 32),
  readFileSync(new URL('../fixtures/tiles/histolab/almost-white-1.png', import.meta.url)),
];
const PNG_BASE = bases[0]!;
const JPEG_BASE = bases[1]!;

/** A PNG whose IHDR declares width × height, its CRC fixed or left stale. */
function pngWithSize(width: number, height: number, fixCrc: boolean): Buffer {
  const b = Buffer.from(PNG_BASE);
  // signature (8) + length (4) + "IHDR" (4), then width and height, then 5 more bytes, then the CRC
  b.writeUInt32BE(width >>> 0, 16);
  b.writeUInt32BE(height >>> 0, 20);
  if (fixCrc) b.writeUInt32BE(crc32(b.subarray(12, 29)) >>> 0, 29);
  return b;
}

/** A JPEG whose SOF marker declares width × height. */
function jpegWithSize(width: number, height: number): Buffer {
  const b = Buffer.from(JPEG_BASE);
  for (let i = 2; i < b.length - 9; i++) {
    if (b[i] === 0xff && (b[i + 1] === 0xc0 || b[i + 1] === 0xc2)) {
      b.writeUInt16BE(height & 0xffff, i + 5);
      b.writeUInt16BE(width & 0xffff, i + 7);
      break;
    }
  }
  return b;
}

const dimension = fc.oneof(fc.constantFrom(0, 1, 4096, 4097, 16383, 16384, 65535, 100_000, 2 ** 31 - 1, 2 ** 32 - 1), fc.nat());

const foreign = fc.constantFrom(
  Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;'),
  Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="1" height="1"/></svg>'),
  Buffer.from('RIFF\x1a\x00\x00\x00WEBPVP8 '),
  Buffer.from('%PDF-1.4\n'),
  Buffer.from('BM\x00\x00'),
  Buffer.alloc(0),
  Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  Buffer.from([0xff, 0xd8, 0xff]),
  Buffer.from('II*\x00'),
);

const mutated = fc.tuple(fc.constantFrom(...bases), fc.constantFrom('truncate', 'flip', 'flip', 'keep'), fc.nat(), fc.nat(7)).map(([b, op, at, bit]) => {
  if (op === 'keep') return b;
  if (op === 'truncate') return b.subarray(0, at % b.length);
  const copy = Buffer.from(b);
  copy[at % copy.length]! ^= 1 << bit;
  return copy;
});

export const tileBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: mutated },
  { weight: 2, arbitrary: fc.tuple(dimension, dimension, fc.boolean()).map(([w, h, fix]) => pngWithSize(w, h, fix)) },
  { weight: 1, arbitrary: fc.tuple(dimension, dimension).map(([w, h]) => jpegWithSize(w, h)) },
  { weight: 1, arbitrary: foreign },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1_024 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...bases), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([b, tail]) => Buffer.concat([b.subarray(0, 64), tail])) },
);

const tileName = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,20}\.(png|jpg|tif)$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '../../etc/passwd', 'a/b.png', 'C:\\tile.png', 'x'.repeat(201), 'tile\u0000.png', 'tile\n.png', '.', '..') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

export interface TileCase {
  slideId: string;
  files: { name: string; bytes: Uint8Array }[];
}

export const tileInput: fc.Arbitrary<TileCase> = fc.record({
  slideId: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('s1', 's2', 'slide-3') }, { weight: 1, arbitrary: fc.constantFrom('', 'a/b', 'x'.repeat(65), '\u0000') }),
  files: fc.array(fc.record({ name: tileName, bytes: tileBytes }), { minLength: 0, maxLength: 3 }),
});
