/**
 * Streams the lines of a VCF, plain or gzip/BGZF-compressed, with limits on what a stranger can
 * make the node read: compressed bytes, decompressed bytes and line length. The file is never held
 * whole in memory.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

export interface LineLimits {
  /** bytes as received (compressed or not) */
  maxBytes: number;
  /** bytes after decompression: a gzip bomb stops here */
  maxDecompressedBytes: number;
  maxLineBytes: number;
}

export const DEFAULT_LINE_LIMITS: LineLimits = { maxBytes: 256 * 2 ** 20, maxDecompressedBytes: 2 * 2 ** 30, maxLineBytes: 2 ** 20 };

/** Why a stream could not be read as lines; the VCF reader turns it into a located error. */
export class LineStreamError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** The 28-byte empty block that ends every BGZF file (SAM/BAM specification §4.1.2). */
export const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** A gzip member whose extra field holds the `BC` subfield is BGZF. */
function isBgzf(b: Uint8Array): boolean {
  return isGzip(b) && b.length >= 14 && ((b[3] as number) & 4) !== 0 && b[12] === 0x42 && b[13] === 0x43;
}

class ByteLimit extends Transform {
  private seen = 0;
  tail = Buffer.alloc(0);
  constructor(
    private readonly max: number,
    private readonly what: string,
    private readonly keepTail = false,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) return done(new LineStreamError(`${this.what} exceeds the ${this.max}-byte limit`));
    if (this.keepTail) {
      // only the last 28 bytes matter; copy them, not the whole chunk
      this.tail = chunk.length >= BGZF_EOF.length ? Buffer.from(chunk.subarray(-BGZF_EOF.length)) : Buffer.concat([this.tail, chunk]).subarray(-BGZF_EOF.length);
    }
    done(null, chunk);
  }
}

/**
 * Calls `onLine(text, lineNumber)` for each line (without its line ending), in order. Compression
 * is recognised from the first bytes. Throws LineStreamError for a truncated or corrupt gzip
 * stream, a BGZF file without its end-of-file block, text that is not UTF-8, or a limit crossed.
 */
export async function readLines(source: AsyncIterable<Uint8Array>, onLine: (line: string, n: number) => void, limits: LineLimits = DEFAULT_LINE_LIMITS): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  const firstResult = await iterator.next();
  if (firstResult.done) return;
  const first = firstResult.value;
  const rest = (async function* () {
    yield first;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
  })();
  const gzip = isGzip(first);
  const bgzf = isBgzf(first);
  const received = new ByteLimit(limits.maxBytes, 'the file', bgzf);
  const decompressed = new ByteLimit(limits.maxDecompressedBytes, 'the decompressed file');

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let n = 0;
  // pipeline reports an AbortError rather than what the sink threw, so the first error is kept here
  let failure: unknown;
  const emit = (line: string) => {
    n++;
    try {
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line, n);
    } catch (err) {
      failure ??= err;
      throw err;
    }
  };
  // the bytes of a character cut by the end of the previous chunk, to locate invalid text exactly
  let carry: Uint8Array = new Uint8Array(0);
  const sink = async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        failure ??= notUtf8(lineOfInvalidUtf8(carry, chunk, n + 1));
        throw failure;
      }
      carry = unfinishedCharacter(carry, chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        emit(pending + text.slice(start, nl));
        pending = '';
        start = nl + 1;
      }
      pending += text.slice(start);
      if (pending.length > limits.maxLineBytes) {
        failure ??= new LineStreamError(`line is longer than ${limits.maxLineBytes} characters`, n + 1);
        throw failure;
      }
    }
  };

  try {
    if (gzip) await pipeline(Readable.from(rest), received, createGunzip(), decompressed, sink);
    else await pipeline(Readable.from(rest), received, decompressed, sink);
  } catch (caught) {
    const err = failure ?? caught;
    if (err instanceof LineStreamError || failure !== undefined) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((err as Error).message)) {
      throw new LineStreamError('the gzip stream is truncated (it ends in the middle of a block)');
    }
    if (code?.startsWith('Z_')) throw new LineStreamError(`the gzip stream is corrupt (${(err as Error).message})`);
    throw err;
  }
  let last: string;
  try {
    last = pending + decoder.decode();
  } catch {
    // the file ends inside a multi-byte character: the last line is cut short
    throw notUtf8(n + 1);
  }
  if (last.length > 0) emit(last);
  if (bgzf && !received.tail.equals(BGZF_EOF)) {
    throw new LineStreamError('the BGZF file has no end-of-file block, so it was cut short (bgzip writes that block last)');
  }
}

function notUtf8(line: number): LineStreamError {
  return new LineStreamError('the file is not UTF-8 text', line);
}

const NEWLINE = 0x0a;
const isContinuation = (b: number) => (b & 0xc0) === 0x80;

/**
 * The last bytes of `carry + chunk` that may start a character the next chunk completes: at most 3
 * bytes after the last newline, without the continuation bytes of a character that ended before.
 */
function unfinishedCharacter(carry: Uint8Array, chunk: Uint8Array): Uint8Array {
  const bytes = chunk.length >= 3 ? chunk.subarray(-3) : Buffer.concat([carry, chunk]).subarray(-3);
  let start = bytes.lastIndexOf(NEWLINE) + 1;
  while (start < bytes.length && isContinuation(bytes[start] as number)) start++;
  return Uint8Array.from(bytes.subarray(start));
}

/**
 * The line holding the first invalid UTF-8 in `carry + chunk`, whose first line is `firstLine`.
 * A newline byte never occurs inside a UTF-8 character, so each line decodes on its own.
 */
function lineOfInvalidUtf8(carry: Uint8Array, chunk: Uint8Array, firstLine: number): number {
  const bytes = Buffer.concat([carry, chunk]);
  const strict = new TextDecoder('utf-8', { fatal: true });
  let line = firstLine;
  let start = 0;
  for (let nl = bytes.indexOf(NEWLINE); ; nl = bytes.indexOf(NEWLINE, start)) {
    const last = nl < 0;
    try {
      // the last piece may end in a character the next chunk completes
      strict.decode(bytes.subarray(start, last ? bytes.length : nl), { stream: last });
    } catch {
      return line;
    }
    if (last) return line;
    line++;
    start = nl + 1;
  }
}
