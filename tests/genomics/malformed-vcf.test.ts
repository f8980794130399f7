import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isDomainError, type DomainError } from '../../src/errors/domain-error.ts';
import { readVcf } from '../../src/genomics/read-vcf.ts';

async function* chunks(data: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function rejection(data: Uint8Array | string, options: Partial<Parameters<typeof readVcf>[1]> = {}): Promise<DomainError> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    await readVcf(chunks(bytes), { fileName: 'bad.vcf', ...options });
  } catch (err) {
    assert.ok(isDomainError(err), `expected a domain error, got ${String(err)}`);
    assert.equal(err.code, 'BAD_INPUT');
    return err;
  }
  assert.fail('the file was accepted');
}

const B38 = readFileSync(new URL('../fixtures/vcf/vcf2maf_test_b38.vcf', import.meta.url), 'utf8');
const COAD = readFileSync(new URL('../fixtures/vcf/pcgr_T001-COAD.grch38.vcf.gz', import.meta.url));

/** The b38 fixture with line `n` (1-based) replaced. */
function withLine(n: number, text: string): string {
  const lines = B38.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
}

describe('malformed VCFs are refused with the place and the reason', () => {
  it('names the line and the reason for a bad POS, a bad REF, a short line and a wrong column count', async () => {
    const pos = await rejection(withLine(9, '21\tabc\t.\tG\tA\t.\t.\t.\tGT:AD:DP\t0/1:1,1:2\t0/0:2,0:2'));
    assert.match(pos.message, /bad\.vcf: 1 malformed line; nothing was stored/);
    assert.deepEqual(pos.issues, [{ line: 9, file: 'bad.vcf', message: 'POS "abc" is not a positive integer' }]);
    const ref = await rejection(withLine(10, '21\t34792700\t.\tQ\tA\t.\t.\t.\tGT:AD:DP\t0/1:1,1:2\t0/0:2,0:2'));
    assert.equal(ref.issues[0]?.line, 10);
    assert.match(ref.issues[0]?.message ?? '', /REF "Q" is not a DNA sequence/);
    const short = await rejection(withLine(11, '21\t34792700\t.\tG'));
    assert.match(short.issues[0]?.message ?? '', /4 columns; a record needs at least 8/);
    const columns = await rejection(withLine(12, '21\t34792700\t.\tG\tA\t.\t.\t.\tGT:AD:DP\t0/1:1,1:2'));
    assert.match(columns.issues[0]?.message ?? '', /10 columns, but the #CHROM line declares 11/);
  });

  it('refuses a POS, DP or AD above 2,147,483,647 (PostgreSQL int) with the line and the field, and takes the limit itself', async () => {
    // the fuzzer's input (vcf surface, seed 42, case 4447): line 17 with its POS one past the limit; the insert used to fail
    const pos = await rejection(withLine(17, '21\t2147483648\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,153:343\t0/0:507,0:507'));
    assert.match(pos.message, /bad\.vcf: 1 malformed line; nothing was stored/);
    assert.deepEqual(pos.issues, [{ line: 17, file: 'bad.vcf', message: 'POS 2147483648 is above 2147483647, the largest position stored' }]);
    const dp = await rejection(withLine(17, '21\t38400606\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,153:2147483648\t0/0:507,0:507'));
    assert.deepEqual(dp.issues, [{ line: 17, file: 'bad.vcf', message: 'DP 2147483648 is above 2147483647, the largest read count stored' }]);
    const ad = await rejection(withLine(17, '21\t38400606\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,99999999999:343\t0/0:507,0:507'));
    assert.deepEqual(ad.issues, [{ line: 17, file: 'bad.vcf', message: 'AD 99999999999 is above 2147483647, the largest read count stored' }]);
    // without DP the depth is the AD sum, which can pass the limit when neither count does
    const sum = await rejection(withLine(17, '21\t38400606\t.\tG\tT\t.\t.\t.\tGT:AD\t0/1:2147483647,1\t0/0:507,0'));
    assert.deepEqual(sum.issues, [{ line: 17, file: 'bad.vcf', message: 'the sum of AD 2147483648 is above 2147483647, the largest read count stored' }]);
    // a multi-allelic line is one problem, not one per ALT
    const multi = await rejection(withLine(17, '21\t38400606\t.\tG\tT,C\t.\t.\t.\tGT:AD:DP\t0/1:190,153,2:2147483648\t0/0:507,0,0:507'));
    assert.deepEqual(multi.issues.map((i) => i.line), [17]);
    const limit = await readVcf(chunks(Buffer.from(withLine(17, '21\t2147483647\t.\tG\tT\t.\t.\t.\tGT:AD:DP\t0/1:190,2147483647:2147483647\t0/0:507,0:507'))), { fileName: 'limit.vcf' });
    const call = limit.calls.find((c) => c.line === 17);
    assert.deepEqual([call?.pos, call?.depth, call?.altDepth], [2147483647, 2147483647, 2147483647]);
  });

  it('reports every bad line of a file, not only the first', async () => {
    const err = await rejection(withLine(9, '21\t0\t.\tG\tA\t.\t.\t.\tGT:AD:DP\t0/1:1,1:2\t0/0:2,0:2').split('\n').map((l, i) => (i === 14 ? 'garbage' : l)).join('\n'));
    assert.deepEqual(err.issues.map((i) => i.line), [9, 15]);
  });

  it('refuses a file without a header', async () => {
    const body = B38.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const err = await rejection(body);
    assert.match(err.message, /line 1: not a VCF: the first line must be ##fileformat=VCFv4\.x \(the header is missing\)/);
    const noChrom = await rejection(B38.split('\n').filter((l) => !l.startsWith('#CHROM')).join('\n'));
    assert.match(noChrom.message, /a data line comes before the #CHROM header line/);
  });

  it('refuses a truncated gzip stream and a BGZF file cut at a block boundary', async () => {
    const mid = await rejection(COAD.subarray(0, Math.floor(COAD.length / 2)), { fileName: 'coad.vcf.gz' });
    assert.match(mid.message, /coad\.vcf\.gz: the gzip stream is truncated/);
    // the last 28 bytes are the empty EOF block: without it every block is whole, but the file is short
    const cut = await rejection(COAD.subarray(0, COAD.length - 28), { fileName: 'coad.vcf.gz' });
    assert.match(cut.message, /BGZF file has no end-of-file block/);
  });

  it('reads plain gzip (not BGZF) as well', async () => {
    const set = await readVcf(chunks(gzipSync(Buffer.from(B38))), { fileName: 'b38.vcf.gz' });
    assert.equal(set.stats.kept, 25);
  });

  it('refuses an unknown tumour sample, binary data and a header that contradicts the build', async () => {
    const sample = await rejection(B38, { tumourSample: 'TUMOUR_1' });
    assert.match(sample.message, /sample "TUMOUR_1" is not in the file; its columns are "TUMOR", "NORMAL"/);
    const binary = await rejection(Buffer.concat([Buffer.from('##fileformat=VCFv4.2\n'), Buffer.from([0xff, 0xfe, 0x00, 0x80]), Buffer.from('\n')]));
    assert.match(binary.message, /not UTF-8/);
    const build = await rejection(B38, { build: 'GRCh37' });
    assert.match(build.message, /GRCh37 was requested, but the header says GRCh38/);
  });

  it('stops at the size limits: bytes received, bytes after decompression, line length, records', async () => {
    const limits = { maxBytes: 1000, maxDecompressedBytes: 10 ** 9, maxLineBytes: 10 ** 6 };
    assert.match((await rejection(B38, { limits })).message, /the file exceeds the 1000-byte limit/);
    // a small gzip that inflates far beyond its size
    const bomb = gzipSync(Buffer.concat([Buffer.from(B38), Buffer.alloc(5_000_000, 0x41)]));
    assert.ok(bomb.length < 20_000);
    const inflated = await rejection(bomb, { limits: { maxBytes: 10 ** 6, maxDecompressedBytes: 1_000_000, maxLineBytes: 10 ** 7 } });
    assert.match(inflated.message, /the decompressed file exceeds the 1000000-byte limit/);
    const longLine = await rejection(`${B38}${'A'.repeat(5000)}`, { limits: { maxBytes: 10 ** 6, maxDecompressedBytes: 10 ** 6, maxLineBytes: 1000 } });
    assert.match(longLine.message, /line 32: line is longer than 1000 characters/);
    assert.match((await rejection(B38, { maxRecords: 10 })).message, /line 17: more than 10 records/);
  });
});
