import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import VCFParser from '@gmod/vcf';
import sharp from 'sharp';
import { generateCohort, type CohortManifest } from '../../src/cohort/generate.ts';

const OPTIONS = { sites: 4, patientsPerSite: 20, tilesPerSlide: 2, seed: 4242 };
let dir: string;
let manifest: CohortManifest;
let truth: any;

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

async function digest(root: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const file of await listFiles(root)) map.set(relative(root, file), createHash('sha256').update(await readFile(file)).digest('hex'));
  return map;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sangam-cohort-'));
  manifest = await generateCohort({ ...OPTIONS, out: dir });
  truth = JSON.parse(await readFile(join(dir, 'truth.json'), 'utf8'));
});

after(() => rm(dir, { recursive: true, force: true }));

test('the cohort is laid out per site, with truth.json apart from what sites ingest', async () => {
  assert.deepEqual(manifest.sites.map((s) => s.id), ['in-west', 'in-south', 'us-northeast', 'eu-west']);
  const top = (await readdir(dir)).sort();
  assert.deepEqual(top, ['eu-west', 'in-south', 'in-west', 'manifest.json', 'truth.json', 'us-northeast']);
  for (const site of manifest.sites) {
    const patients = truth.sites.find((s: any) => s.profile.id === site.id).patients;
    assert.equal(patients.length, site.patients);
    const bundles = (await readdir(join(dir, site.id, 'bundles'))).sort();
    assert.deepEqual(bundles, patients.map((p: any) => `${p.id}.json`).sort());
    const vcfs = (await readdir(join(dir, site.id, 'vcf'))).sort();
    assert.deepEqual(vcfs, patients.filter((p: any) => p.sequenced).map((p: any) => `${p.id}.vcf.gz`).sort());
    assert.equal((await listFiles(join(dir, site.id, 'tiles'))).length, site.patients * OPTIONS.tilesPerSlide);
    // nothing a site ingests mentions the hidden truth
    assert.ok(!(await readdir(join(dir, site.id))).includes('truth.json'));
  }
  assert.match(truth.notice, /SYNTHETIC/);
});

test('generation is deterministic for a seed and changes with the seed', async () => {
  const again = await mkdtemp(join(tmpdir(), 'sangam-cohort-'));
  const other = await mkdtemp(join(tmpdir(), 'sangam-cohort-'));
  try {
    await generateCohort({ ...OPTIONS, out: again });
    await generateCohort({ ...OPTIONS, seed: OPTIONS.seed + 1, out: other });
    const [a, b, c] = await Promise.all([digest(dir), digest(again), digest(other)]);
    assert.equal(a.size, b.size);
    for (const [file, hash] of a) assert.equal(b.get(file), hash, file);
    const bundle = 'in-west/bundles/in-west-0001.json';
    assert.notEqual(c.get(bundle), a.get(bundle));
  } finally {
    await rm(again, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  }
});

/** Walks the BGZF blocks (SAM spec §4.1): each a gzip member with a BC extra field giving its size; the last is the empty EOF block. */
function bgzfBlocks(bytes: Buffer): number[] {
  const sizes: number[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    assert.equal(bytes.readUInt32BE(offset), 0x1f8b0804, `gzip member with FEXTRA at ${offset}`);
    assert.equal(bytes.readUInt16LE(offset + 10), 6);
    assert.equal(bytes.toString('latin1', offset + 12, offset + 14), 'BC');
    const size = bytes.readUInt16LE(offset + 16) + 1;
    sizes.push(bytes.readUInt32LE(offset + size - 4)); // ISIZE
    offset += size;
  }
  assert.equal(offset, bytes.length);
  assert.equal(sizes.at(-1), 0, 'ends with the empty EOF block');
  return sizes;
}

/** PCGR's coding_and_silent consequences, written out here independently of the generator. */
const TMB_CODING = new Set(['missense_variant', 'synonymous_variant', 'stop_gained', 'frameshift_variant', 'inframe_deletion', 'disruptive_inframe_deletion', 'splice_donor_variant']);

const HOTSPOT_POSITIONS: Record<string, { chrom: string; pos: number; gene: string; protein: string }> = {
  L858R: { chrom: 'chr7', pos: 55191822, gene: 'EGFR', protein: 'p.Leu858Arg' },
  E746_A750del: { chrom: 'chr7', pos: 55174771, gene: 'EGFR', protein: 'p.Glu746_Ala750del' },
  G12C: { chrom: 'chr12', pos: 25245351, gene: 'KRAS', protein: 'p.Gly12Cys' },
  G12D: { chrom: 'chr12', pos: 25245350, gene: 'KRAS', protein: 'p.Gly12Asp' },
  G12V: { chrom: 'chr12', pos: 25245350, gene: 'KRAS', protein: 'p.Gly12Val' },
  G13D: { chrom: 'chr12', pos: 25245347, gene: 'KRAS', protein: 'p.Gly13Asp' },
};

test('every VCF is valid BGZF, parses with @gmod/vcf and carries the patient\'s true hotspots and TMB', async () => {
  let checked = 0;
  const formats = new Set<string>();
  for (const site of truth.sites) {
    for (const patient of site.patients.filter((p: any) => p.sequenced)) {
      const bytes = await readFile(join(dir, site.profile.id, 'vcf', `${patient.id}.vcf.gz`));
      bgzfBlocks(bytes);
      const text = gunzipSync(bytes).toString('utf8');
      const lines = text.trimEnd().split('\n');
      const header = lines.filter((l) => l.startsWith('#')).join('\n');
      const parser = new VCFParser({ header, strict: true });
      assert.equal(parser.getMetadata('reference'), 'GRCh38');
      assert.deepEqual(parser.samples, [`${patient.id}-N`, `${patient.id}-T`]);
      const key = site.profile.annotation as 'CSQ' | 'ANN';
      formats.add(key);
      const description = String((parser.getMetadata('INFO', key, 'Description') as string | undefined) ?? '');
      const fields =
        key === 'CSQ'
          ? description.split('Format: ')[1]!.split('|')
          : description.replace(/^.*'(.*)'.*$/, '$1').split('|').map((f) => f.trim());
      const at = (name: string) => fields.indexOf(name);
      let coding = 0;
      const byPosition = new Map<string, Record<string, string>>();
      for (const line of lines.filter((l) => !l.startsWith('#'))) {
        const v = parser.parseLine(line);
        const blocks = v.INFO[key] as string[];
        const first = blocks[0]!.split('|');
        const record = Object.fromEntries(fields.map((f, i) => [f, decodeURIComponent(first[i] ?? '')]));
        const consequence = key === 'CSQ' ? record.Consequence! : record.Annotation!;
        const filter = Array.isArray(v.FILTER) ? v.FILTER[0] : v.FILTER;
        if (filter === 'PASS' && consequence.split('&').some((c) => TMB_CODING.has(c))) coding++;
        byPosition.set(`${v.CHROM}:${v.POS}:${v.ALT![0]}`, record);
        const tumour = v.SAMPLES()[`${patient.id}-T`]!;
        const [refReads, altReads] = tumour.AD as number[];
        assert.ok(Math.abs((tumour.AF as number[])[0]! - altReads! / (refReads! + altReads!)) < 0.0006, 'AF agrees with AD');
        assert.equal(at(key === 'CSQ' ? 'SYMBOL' : 'Gene_Name') >= 0, true);
      }
      assert.equal(coding, patient.tmb.codingAndSilentCount, `${patient.id} TMB count`);
      for (const change of [patient.mutations.EGFR, patient.mutations.KRAS].filter(Boolean)) {
        const spot = HOTSPOT_POSITIONS[change]!;
        const record = [...byPosition.entries()].find(([k]) => k.startsWith(`${spot.chrom}:${spot.pos}:`))?.[1];
        assert.ok(record, `${patient.id}: ${change} at ${spot.chrom}:${spot.pos}`);
        assert.equal(key === 'CSQ' ? record.SYMBOL : record.Gene_Name, spot.gene);
        assert.ok((key === 'CSQ' ? record.HGVSp! : record['HGVS.p']!).endsWith(spot.protein));
      }
      if (patient.mutations.BRAF_V600E) {
        const record = byPosition.get('chr7:140753336:T');
        assert.ok(record, `${patient.id}: BRAF V600E at chr7:140753336 A>T`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 10, `${checked} VCFs checked`);
  assert.deepEqual([...formats].sort(), ['ANN', 'CSQ'], 'both VEP and snpEff sites are represented');
});

test('tiles are 256x256 PNGs and every site has its own stain colour cast', async () => {
  const means = new Map<string, number[]>();
  for (const site of manifest.sites) {
    const files = (await listFiles(join(dir, site.id, 'tiles'))).slice(0, 20);
    const sums = [0, 0, 0];
    for (const file of files) {
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 256);
      assert.equal(meta.height, 256);
      const { channels } = await sharp(file).stats();
      channels.slice(0, 3).forEach((c, k) => (sums[k]! += c.mean / files.length));
    }
    means.set(site.id, sums);
  }
  const ids = [...means.keys()];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = means.get(ids[i]!)!;
      const b = means.get(ids[j]!)!;
      const distance = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
      assert.ok(distance > 4, `${ids[i]} vs ${ids[j]}: mean colours only ${distance.toFixed(1)} apart`);
    }
  }
});
