import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isDomainError, type DomainError } from '../../src/errors/domain-error.ts';
import { readVcf } from '../../src/genomics/read-vcf.ts';
import { LineStreamError, readLines } from '../../src/genomics/vcf-lines.ts';

/**
 * Text that is not UTF-8 is refused with the line it is on. A file ending inside a multi-byte
 * character used to escape as TextDecoder's TypeError from the decoder's final flush (the fuzzer's
 * case: the single byte 0xC2, read one byte at a time).
 */
async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const B38 = readFileSync(new URL('../fixtures/vcf/vcf2maf_test_b38.vcf', import.meta.url));
/** 31 lines, each ending in a newline */
const B38_LINES = B38.toString('utf8').split('\n').length - 1;
const CHUNK_SIZES = [1, 2, 3, 7, 64, 4096, 1 << 20];

async function lineError(bytes: Uint8Array, size: number): Promise<LineStreamError> {
  try {
    await readLines(chunks(bytes, size), () => {});
  } catch (err) {
    assert.ok(err instanceof LineStreamError, `chunks of ${size}: expected a LineStreamError, got ${String(err)}`);
    return err;
  }
  assert.fail(`chunks of ${size}: the bytes were read as text`);
}

async function rejection(bytes: Uint8Array, size: number): Promise<DomainError> {
  try {
    await readVcf(chunks(bytes, size), { fileName: 'bad.vcf' });
  } catch (err) {
    assert.ok(isDomainError(err), `chunks of ${size}: expected a domain error, got ${String(err)}`);
    return err;
  }
  assert.fail('the file was accepted');
}

/** The b38 fixture with `bytes` put in place of line `n`'s first byte. */
function withBytesOnLine(n: number, bytes: number[]): Buffer {
  const lines = B38.toString('utf8').split('\n');
  const start = Buffer.byteLength(lines.slice(0, n - 1).join('\n')) + (n > 1 ? 1 : 0);
  return Buffer.concat([B38.subarray(0, start), Buffer.from(bytes), B38.subarray(start + 1)]);
}

describe('VCF text that is not UTF-8', () => {
  it('refuses the fuzzer input (0xC2 alone, one byte a chunk) as line 1, not a TypeError', async () => {
    const err = await rejection(Uint8Array.from([0xc2]), 1);
    assert.equal(err.code, 'BAD_INPUT');
    assert.deepEqual(err.issues, [{ file: 'bad.vcf', line: 1, message: 'the file is not UTF-8 text' }]);
    assert.equal(err.message, 'bad.vcf: line 1: the file is not UTF-8 text; nothing was stored');
  });

  it('names the last line when a file ends inside a multi-byte character, whatever the chunking', async () => {
    // after the final newline: a new, cut line
    const afterNewline = Buffer.concat([B38, Buffer.from([0xe2, 0x82])]);
    // inside the last line, which has no newline
    const inLastLine = Buffer.concat([B38.subarray(0, B38.length - 1), Buffer.from([0xf0, 0x9f, 0x98])]);
    for (const size of CHUNK_SIZES) {
      assert.equal((await lineError(afterNewline, size)).line, B38_LINES + 1, `chunks of ${size}`);
      assert.equal((await lineError(inLastLine, size)).line, B38_LINES, `chunks of ${size}`);
    }
    const gz = await rejection(gzipSync(afterNewline), 4096);
    assert.deepEqual(gz.issues.map((i) => i.line), [B38_LINES + 1]);
  });

  it('names the very line of invalid bytes in the middle of a file, not the first line of its chunk', async () => {
    for (const [line, bytes] of [
      [9, [0xff]], // never valid
      [9, [0xc3, 0x28]], // a lead byte without its continuation
      [2, [0x80]], // a lone continuation byte
      [20, [0xed, 0xa0, 0x80]], // an encoded UTF-16 surrogate
    ] as [number, number[]][]) {
      const file = withBytesOnLine(line, bytes);
      for (const size of CHUNK_SIZES) assert.equal((await lineError(file, size)).line, line, `line ${line}, bytes ${bytes.join(' ')}, chunks of ${size}`);
    }
  });

  it('still reads valid multi-byte characters split across chunks', async () => {
    const text = Buffer.from(B38.toString('utf8').replace('##contig=<ID=21,', '##contig=<ID=21,description="Géné 🧬 ✓",'));
    const lines: string[] = [];
    for (const size of CHUNK_SIZES) {
      lines.length = 0;
      await readLines(chunks(text, size), (l) => lines.push(l));
      assert.equal(lines.length, B38_LINES, `chunks of ${size}`);
      assert.match(lines[1]!, /description="Géné 🧬 ✓"/);
    }
  });
});
