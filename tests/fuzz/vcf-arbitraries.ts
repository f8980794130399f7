import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/**
 * VCF input generators: the fixture files cut short (header plus a few records) and broken line
 * by line or byte by byte, recompressed with gzip sometimes, plus arbitrary bytes.
 */

const FIXTURES = new URL('../fixtures/vcf/', import.meta.url);

function sample(name: string, records: number): string[] {
  const lines = readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter(Boolean);
  const header = lines.filter((l) => l.startsWith('#'));
  return [...header, ...lines.filter((l) => !l.startsWith('#')).slice(0, records)];
}

const bases = [
  sample('vcf2maf_test_b38.vcf', 30),
  sample('vcf2maf_test_mutect.grch37.vcf', 25),
  sample('vcf2maf_test_strelka.grch37.vcf', 25),
  sample('phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf', 15),
];

const field = fc.oneof(
  fc.constantFrom('', '.', '0', '-1', '1e9', 'NaN', 'chr99', 'N', 'ACGTN'.repeat(100), '<DEL>', 'A,C,,G', '\t', '0/1:.:.', 'PASS;LowQual', '=', 'CSQ=||||', 'DP=-5', 'AF=2', '2147483648', '\u00e9', '\ufffd'),
  fc.string({ maxLength: 12 }),
);

type LineOp =
  | { op: 'delete-line'; at: number }
  | { op: 'duplicate-line'; at: number }
  | { op: 'swap-lines'; at: number; with: number }
  | { op: 'replace-field'; at: number; column: number; value: string }
  | { op: 'drop-field'; at: number; column: number }
  | { op: 'add-field'; at: number; value: string }
  | { op: 'insert-line'; at: number; value: string };

const lineOp: fc.Arbitrary<LineOp> = fc.oneof(
  fc.record({ op: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('replace-field' as const), at: fc.nat(), column: fc.nat(12), value: field }),
  fc.record({ op: fc.constant('replace-field' as const), at: fc.nat(), column: fc.nat(12), value: field }),
  fc.record({ op: fc.constant('drop-field' as const), at: fc.nat(), column: fc.nat(12) }),
  fc.record({ op: fc.constant('add-field' as const), at: fc.nat(), value: field }),
  fc.record({ op: fc.constant('insert-line' as const), at: fc.nat(), value: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('##fileformat=VCFv4.2', '##reference=GRCh37', '##reference=hg38', '#CHROM\tPOS', '##INFO=<ID=CSQ,Number=.,Type=String,Description="Format: Allele|Consequence">', 'x'.repeat(3000))) }),
);

function applyLineOp(lines: string[], o: LineOp): void {
  if (lines.length === 0) return;
  const i = o.at % lines.length;
  switch (o.op) {
    case 'delete-line':
      lines.splice(i, 1);
      return;
    case 'duplicate-line':
      lines.splice(i, 0, lines[i]!);
      return;
    case 'swap-lines': {
      const j = o.with % lines.length;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return;
    }
    case 'insert-line':
      lines.splice(i, 0, o.value);
      return;
    default: {
      const cols = lines[i]!.split('\t');
      if (o.op === 'add-field') cols.push(o.value);
      else if (o.op === 'drop-field') cols.splice(o.column % cols.length, 1);
      else cols[o.column % cols.length] = o.value;
      lines[i] = cols.join('\t');
    }
  }
}

type ByteOp = { op: 'truncate'; at: number } | { op: 'flip'; at: number; bit: number } | { op: 'crlf' } | { op: 'bom' } | { op: 'gzip' } | { op: 'gzip-truncated'; at: number };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('crlf' as const) }),
  fc.record({ op: fc.constant('bom' as const) }),
  fc.record({ op: fc.constant('gzip' as const) }),
  fc.record({ op: fc.constant('gzip-truncated' as const), at: fc.nat() }),
);

function applyByteOp(bytes: Uint8Array, o: ByteOp): Uint8Array {
  switch (o.op) {
    case 'truncate':
      return bytes.subarray(0, o.at % (bytes.length + 1));
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = Uint8Array.from(bytes);
      copy[o.at % copy.length]! ^= 1 << o.bit;
      return copy;
    }
    case 'crlf':
      return Buffer.from(Buffer.from(bytes).toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 'gzip':
      return gzipSync(bytes);
    case 'gzip-truncated': {
      const z = gzipSync(bytes);
      return z.subarray(0, o.at % (z.length + 1));
    }
  }
}

/** One VCF upload: its bytes, split into the chunks the stream delivers. */
export interface VcfCase {
  bytes: Uint8Array;
  /** chunk size the bytes arrive in (a chunk boundary can fall inside a line or a gzip member) */
  chunk: number;
}

export const vcfInput: fc.Arbitrary<VcfCase> = fc.record({
  bytes: fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(fc.constantFrom(...bases), fc.array(lineOp, { maxLength: 4 }), fc.array(byteOp, { maxLength: 1 })).map(([base, ops, bops]) => {
        const lines = [...base];
        for (const o of ops) applyLineOp(lines, o);
        let bytes: Uint8Array = Buffer.from(`${lines.join('\n')}\n`);
        for (const b of bops) bytes = applyByteOp(bytes, b);
        return bytes;
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from('\n'), Buffer.from('##fileformat=VCFv4.2\n'), Buffer.from([0x1f, 0x8b, 0x08, 0x00]), gzipSync(Buffer.alloc(0))) },
  ),
  chunk: fc.constantFrom(1, 7, 64, 4096, 1 << 20),
});

export async function* chunksOf(c: VcfCase): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < c.bytes.length; i += c.chunk) yield c.bytes.subarray(i, i + c.chunk);
}
