import sharp, { type Metadata } from 'sharp';
import { z } from 'zod';
import { ErrorCode } from '../errors/domain-error.ts';

/**
 * Decodes an uploaded H&E tile into packed 8-bit RGB. Tiles come from strangers, so the byte size
 * is checked before anything is parsed, the declared pixel count is checked from the header before
 * anything is decoded (a 20000×20000 PNG can be a few hundred bytes), and only the formats slide
 * exporters write are accepted: PNG, JPEG and TIFF. SVG, GIF, WebP and the rest are refused without
 * being rendered.
 */

export const TileDecodeErrorCode = {
  TOO_LARGE: 'TOO_LARGE',
  TOO_MANY_PIXELS: 'TOO_MANY_PIXELS',
  UNSUPPORTED_TYPE: 'UNSUPPORTED_TYPE',
  CORRUPT: 'CORRUPT',
} as const;
export type TileDecodeErrorCode = (typeof TileDecodeErrorCode)[keyof typeof TileDecodeErrorCode];

/** The site-wide code each decode failure is reported under (HTTP 413, 415, 400). */
const domainCodeFor: Record<TileDecodeErrorCode, ErrorCode> = {
  TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
  TOO_MANY_PIXELS: ErrorCode.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  CORRUPT: ErrorCode.BAD_INPUT,
};

/** An expected decode failure; `message` names the file and the limit or format involved. */
export class TileDecodeError extends Error {
  readonly code: TileDecodeErrorCode;
  readonly file: string;

  constructor(code: TileDecodeErrorCode, file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TileDecodeError';
    this.code = code;
    this.file = file;
  }

  /** The DomainError code an API edge should answer with. */
  get domainCode(): ErrorCode {
    return domainCodeFor[this.code];
  }
}

export const TILE_FORMATS = ['png', 'jpeg', 'tiff'] as const;
export type TileFormat = (typeof TILE_FORMATS)[number];

export const DecodeTileOptionsSchema = z.object({
  /** Largest accepted input, in bytes (default 32 MiB). */
  maxBytes: z.number().int().positive().optional(),
  /** Largest accepted width × height (default 4096², libvips' own default is 16383²). */
  maxPixels: z.number().int().positive().optional(),
});
export type DecodeTileOptions = z.infer<typeof DecodeTileOptionsSchema>;

export const DECODE_TILE_DEFAULTS = { maxBytes: 32 * 1024 * 1024, maxPixels: 4096 * 4096 } as const;

export interface DecodedTile {
  width: number;
  height: number;
  /** width × height × 3 bytes, row-major RGB; transparent pixels are composited on white. */
  rgb: Uint8Array;
  format: TileFormat;
}

function isTileFormat(format: string | undefined): format is TileFormat {
  return (TILE_FORMATS as readonly string[]).includes(format ?? '');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decodes a PNG, JPEG or TIFF tile to packed sRGB, refusing oversized, bomb-like, foreign and corrupt input. */
export async function decodeTile(input: Buffer, name: string, options: DecodeTileOptions = {}): Promise<DecodedTile> {
  const opts = DecodeTileOptionsSchema.parse(options);
  const maxBytes = opts.maxBytes ?? DECODE_TILE_DEFAULTS.maxBytes;
  const maxPixels = opts.maxPixels ?? DECODE_TILE_DEFAULTS.maxPixels;

  if (input.length > maxBytes) {
    throw new TileDecodeError('TOO_LARGE', name, `${input.length} bytes is above the ${maxBytes}-byte limit`);
  }
  if (input.length === 0) throw new TileDecodeError('CORRUPT', name, 'the file is empty');

  // metadata() reads the header only, so the format and the declared size are known before decoding;
  // its own pixel limit is lifted so that an oversized header is reported as such below.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new TileDecodeError('UNSUPPORTED_TYPE', name, `not a PNG, JPEG or TIFF image (${messageOf(err)})`);
  }
  if (!isTileFormat(meta.format)) {
    throw new TileDecodeError('UNSUPPORTED_TYPE', name, `format ${meta.format ?? 'unknown'} is not accepted (PNG, JPEG or TIFF only)`);
  }
  const format = meta.format;
  const declared = (meta.width ?? 0) * (meta.height ?? 0);
  if (declared > maxPixels) {
    throw new TileDecodeError(
      'TOO_MANY_PIXELS',
      name,
      `${meta.width}×${meta.height} (${declared} pixels) is above the ${maxPixels}-pixel limit`,
    );
  }

  try {
    // limitInputPixels stays on as a second guard; failOn 'error' turns truncated data into an error
    // instead of grey rows.
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new TileDecodeError('CORRUPT', name, `decoded to ${info.channels} channels, expected RGB`);
    }
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), format };
  } catch (err) {
    if (err instanceof TileDecodeError) throw err;
    const message = messageOf(err);
    if (/pixel limit/i.test(message)) {
      throw new TileDecodeError('TOO_MANY_PIXELS', name, `above the ${maxPixels}-pixel limit`);
    }
    throw new TileDecodeError('CORRUPT', name, `cannot be decoded as ${format} (${message})`);
  }
}
