import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { ErrorCode } from '../../src/errors/domain-error.ts';
import { decodeTile, TileDecodeError, type TileDecodeErrorCode } from '../../src/pathology/decode-tile.ts';
import { pngDeclaring, tileBytes } from './tiles.ts';

async function rejects(promise: Promise<unknown>, code: TileDecodeErrorCode, file: string): Promise<TileDecodeError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TileDecodeError, `expected TileDecodeError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.startsWith(`${file}: `), err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

test('decodes an RGBA PNG to packed RGB with the same pixels libvips decodes', async () => {
  const bytes = tileBytes('histolab/medium-nuclei-score-level2.png');
  const tile = await decodeTile(bytes, 'medium.png');
  assert.equal(tile.format, 'png');
  assert.equal(tile.width, 512);
  assert.equal(tile.height, 512);
  assert.equal(tile.rgb.length, 512 * 512 * 3);
  // The fixture is opaque, so flattening must not change a single value.
  const { data } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.ok(Buffer.from(tile.rgb).equals(data));
});

test('decodes JPEG and TIFF tiles', async () => {
  const jpeg = await decodeTile(tileBytes('mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_0_506.jpg'), 'chol.jpg');
  assert.deepEqual([jpeg.format, jpeg.width, jpeg.height, jpeg.rgb.length], ['jpeg', 256, 256, 256 * 256 * 3]);
  const tiff = await decodeTile(tileBytes('mopadi/CRC-VAL-HE-7K-NORM-TCGA-YLVCMEHK.tif'), 'norm.tif');
  assert.deepEqual([tiff.format, tiff.width, tiff.height, tiff.rgb.length], ['tiff', 224, 224, 224 * 224 * 3]);
});

test('composites transparent pixels on white and widens grey and 16-bit images to 8-bit RGB', async () => {
  // one transparent red pixel, one opaque blue one
  const rgba = await sharp(Buffer.from([255, 0, 0, 0, 0, 0, 255, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
  assert.deepEqual([...(await decodeTile(rgba, 'alpha.png')).rgb], [255, 255, 255, 0, 0, 255]);

  const grey = await sharp(Buffer.from([10, 200]), { raw: { width: 2, height: 1, channels: 1 } }).png().toBuffer();
  assert.deepEqual([...(await decodeTile(grey, 'grey.png')).rgb], [10, 10, 10, 200, 200, 200]);

  const deep = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#804020' } }).toColourspace('rgb16').png().toBuffer();
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  assert.deepEqual([...(await decodeTile(deep, 'deep.png')).rgb], [0x80, 0x40, 0x20]);
});

test('refuses a decompression bomb from its header, before decoding', async () => {
  const bomb = pngDeclaring(20000, 20000);
  assert.ok(bomb.length < 1000, `${bomb.length} bytes`);
  const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
  assert.deepEqual([meta.width, meta.height], [20000, 20000]);
  const err = await rejects(decodeTile(bomb, 'bomb.png'), 'TOO_MANY_PIXELS', 'bomb.png');
  assert.match(err.message, /400000000 pixels/);
  assert.equal(err.domainCode, ErrorCode.PAYLOAD_TOO_LARGE);
});

test('the pixel limit is the caller\'s, inclusive', async () => {
  const bytes = tileBytes('histolab/no-tissue.png'); // 512²
  await rejects(decodeTile(bytes, 'a.png', { maxPixels: 512 * 512 - 1 }), 'TOO_MANY_PIXELS', 'a.png');
  assert.equal((await decodeTile(bytes, 'a.png', { maxPixels: 512 * 512 })).width, 512);
});

test('checks the byte cap before parsing anything', async () => {
  // Not an image at all: TOO_LARGE rather than UNSUPPORTED_TYPE shows the size came first.
  const err = await rejects(decodeTile(Buffer.alloc(2000, 0x41), 'big.bin', { maxBytes: 1000 }), 'TOO_LARGE', 'big.bin');
  assert.equal(err.domainCode, ErrorCode.PAYLOAD_TOO_LARGE);
  await rejects(decodeTile(tileBytes('histolab/no-tissue.png'), 'b.png', { maxBytes: 45_036 }), 'TOO_LARGE', 'b.png');
  assert.equal((await decodeTile(tileBytes('histolab/no-tissue.png'), 'b.png', { maxBytes: 45_037 })).width, 512);
});

test('accepts only PNG, JPEG and TIFF', async () => {
  const red = { create: { width: 4, height: 4, channels: 3 as const, background: '#ff0000' } };
  const cases: Array<[string, Buffer]> = [
    ['notes.txt', Buffer.from('patient tile, see report')],
    ['vector.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')],
    ['anim.gif', await sharp(red).gif().toBuffer()],
    ['tile.webp', await sharp(red).webp().toBuffer()],
  ];
  for (const [name, bytes] of cases) {
    const err = await rejects(decodeTile(bytes, name), 'UNSUPPORTED_TYPE', name);
    assert.equal(err.domainCode, ErrorCode.UNSUPPORTED_MEDIA_TYPE);
  }
});

test('truncated PNG and JPEG files are corrupt, not half-grey tiles', async () => {
  const png = tileBytes('histolab/no-tissue.png');
  const jpeg = tileBytes('mopadi/TCGA-3X-AAVA-01Z-00-DX1_0_0_0_506.jpg');
  const err = await rejects(decodeTile(png.subarray(0, png.length >> 1), 'cut.png'), 'CORRUPT', 'cut.png');
  assert.equal(err.domainCode, ErrorCode.BAD_INPUT);
  await rejects(decodeTile(jpeg.subarray(0, jpeg.length >> 1), 'cut.jpg'), 'CORRUPT', 'cut.jpg');
  await rejects(decodeTile(Buffer.alloc(0), 'empty.png'), 'CORRUPT', 'empty.png');
  // The bomb's header is honest but its data stops after one row.
  await rejects(decodeTile(pngDeclaring(64, 64), 'short.png'), 'CORRUPT', 'short.png');
});
