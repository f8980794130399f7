// VCF ingest (stream, decompress, parse, pick annotations, allele fractions, hotspots, TMB) against
// @gmod/vcf parse-only on the same bytes in the same run. The input is the VEP-annotated fixture
// (tests/fixtures/vcf, Mutect2 + VEP CSQ) repeated with shifted positions to BENCH_VCF_RECORDS
// records, bgzip-compressed as a lab would send it. Storing the calls (PGlite) is timed separately.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import VCF from '@gmod/vcf';
import { bgzip } from '../src/cohort/bgzf.ts';
import { readVcf } from '../src/genomics/read-vcf.ts';

const TARGET = Number(process.env.BENCH_VCF_RECORDS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const text = readFileSync(new URL('../tests/fixtures/vcf/phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf', import.meta.url), 'utf8');
const lines = text.split('\n').filter(Boolean);
const header = lines.filter((l) => l.startsWith('#'));
const records = lines.filter((l) => !l.startsWith('#'));
const out: string[] = [...header];
for (let copy = 0; out.length - header.length < TARGET; copy++) {
  for (const r of records) {
    const tab = r.indexOf('\t');
    const tab2 = r.indexOf('\t', tab + 1);
    // positions shift by copy so records stay distinct; the chromosome order is kept
    out.push(`${r.slice(0, tab)}\t${Number(r.slice(tab + 1, tab2)) + copy * 7}${r.slice(tab2)}`);
    if (out.length - header.length >= TARGET) break;
  }
}
const gz = bgzip(`${out.join('\n')}\n`);
const n = out.length - header.length;

async function* chunks(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
}

function parseOnly(): number {
  const all = gunzipSync(gz).toString('utf8').split('\n');
  const head = all.filter((l) => l.startsWith('#')).join('\n');
  const parser = new VCF({ header: head });
  let count = 0;
  for (const l of all) {
    if (l === '' || l.startsWith('#')) continue;
    parser.parseLine(l);
    count++;
  }
  return count;
}

async function ingest(): Promise<number> {
  const set = await readVcf(chunks(gz), { fileName: 'bench.vcf.gz', passFilters: ['PASS'] });
  return set.stats.records;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const base: number[] = [];
const ours: number[] = [];
parseOnly();
await ingest();
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now();
  if (parseOnly() !== n) throw new Error('parse-only record count');
  base.push(performance.now() - t);
  t = performance.now();
  if ((await ingest()) !== n) throw new Error('ingest record count');
  ours.push(performance.now() - t);
}
const baseRate = n / (median(base) / 1000);
const ourRate = n / (median(ours) / 1000);
console.log(`vcf ingest (${n} records, ${(gz.length / 2 ** 20).toFixed(1)} MB bgzip, VEP CSQ, median of ${ROUNDS}): ${ourRate.toFixed(0)} records/s`);
console.log(`baseline @gmod/vcf parse-only (gunzip + split + parseLine): ${baseRate.toFixed(0)} records/s`);
console.log(`ratio ingest/parse-only throughput: ${(ourRate / baseRate).toFixed(3)} (goal >= 0.5)`);
