import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { TmbMethod } from '../../src/genomics/consequences.ts';
import { readVcf, type ReadVcfOptions, type VariantCall } from '../../src/genomics/read-vcf.ts';

/**
 * Every shared somatic VCF (tests/fixtures/vcf, provenance in PROVENANCE.md) is read, and values
 * are checked against what a person reads off the raw lines (quoted in each test).
 */

const FIXTURES = new URL('../fixtures/vcf/', import.meta.url);

function read(name: string, options: Partial<ReadVcfOptions> = {}) {
  return readVcf(createReadStream(new URL(name, FIXTURES)), { fileName: name, ...options });
}

function at(calls: readonly VariantCall[], chrom: string, pos: number): VariantCall {
  const found = calls.find((c) => c.chrom === chrom && c.pos === pos);
  assert.ok(found, `no call at ${chrom}:${pos}`);
  return found;
}

describe('VEP-annotated Mutect2 VCF (phyloflow A25, GRCh37)', () => {
  it('reads the build from contig lengths, the tumour from ##tumor_sample, and the CSQ layout from the header', async () => {
    const set = await read('phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf');
    assert.equal(set.build, 'GRCh37');
    assert.ok(set.buildFrom.includes('##contig 1 length 249250621'));
    assert.equal(set.annotation, 'vep');
    assert.equal(set.tumourSample, 'A25');
    assert.equal(set.stats.records, 1428);
    // 421 records say PASS; the other 1,007 records (1,024 alleles) carry FilterMutectCalls labels
    assert.equal(set.stats.kept, 421);
    assert.equal(set.stats.filtered.t_lod, 137);
    assert.equal(Object.values(set.stats.filtered).reduce((a, b) => a + b, 0), 1024);
  });

  it('keeps the gene, HGVSp and short protein change of a missense call', async () => {
    const set = await read('phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf');
    // line 157: 1 11009799 T A PASS ...CSQ=A|missense_variant|MODERATE|C1orf127|...|ENSP00000366203.4:p.Glu391Val|...  A25: 0/1:2,2:0.5:4
    const call = at(set.calls, '1', 11009799);
    assert.equal(call.line, 157);
    assert.equal(call.gene, 'C1orf127');
    assert.equal(call.hgvsp, 'ENSP00000366203.4:p.Glu391Val');
    assert.equal(call.proteinChange, 'p.E391V');
    assert.equal(call.consequence, 'missense_variant');
    assert.equal(call.transcript, 'ENST00000377004');
    assert.equal(call.exon, '11/13'); // CSQ EXON
    assert.equal(call.hgncId, 'HGNC:26730');
    assert.equal(call.vaf, 2 / 4);
    assert.equal(call.depth, 4);
  });

  it('counts TMB the way PCGR does, for each of its three methods', async () => {
    // counted independently with a regex over the raw PASS lines' CSQ consequence field: 273 / 213 / 182
    const expected = { [TmbMethod.CODING_AND_SILENT]: 273, [TmbMethod.CODING_NON_SILENT]: 213, [TmbMethod.MISSENSE_ONLY]: 182 };
    for (const [method, count] of Object.entries(expected)) {
      const set = await read('phyloflow_A25_HCC.mutect2.filtered.snp.VEP106_CSQ.grch37.vcf', { tmbMethod: method as TmbMethod, tmbTargetMb: 30 });
      assert.ok(!('unavailable' in set.tmb));
      assert.equal(set.tmb.count, count, method);
      assert.equal(set.tmb.value, count / 30);
      assert.equal(set.calls.filter((c) => c.tmbCounted).length, count);
    }
  });
});

describe('Strelka v1 SNVs without GT or AD (vcf2maf test_strelka, GRCh37)', () => {
  it('refuses to guess the build when the header does not state it', async () => {
    await assert.rejects(read('vcf2maf_test_strelka.grch37.vcf'), /does not say which genome build/);
  });

  it('computes VAF and depth from the tier-1 base counts', async () => {
    const set = await read('vcf2maf_test_strelka.grch37.vcf', { build: 'GRCh37' });
    assert.equal(set.tumourSample, 'TUMOR');
    assert.equal(set.stats.kept, 240);
    // line 54: 1 35944648 G A ... TUMOR 58:0:0:0:56,57:0,0:2,2:0,0 → AU 56, GU 2 (tier 1)
    const snv = at(set.calls, '1', 35944648);
    assert.equal(snv.altDepth, 56);
    assert.equal(snv.depth, 58);
    assert.equal(snv.vaf, 56 / 58);
    // line 160: 7 140453136 A T (BRAF V600E on GRCh37) ... TUMOR AU 68, TU 191 → 191 / 259
    const braf = at(set.calls, '7', 140453136);
    assert.equal(braf.vaf, 191 / 259);
    assert.equal(braf.hotspot, 'BRAF_V600E');
    assert.equal(braf.gene, 'BRAF');
    assert.equal(braf.proteinChange, 'p.V600E');
    // an indel: 2 102626146 CG C ... TUMOR TAR 19,19 TIR 57,58 → 57 / (57 + 19)
    const indel = at(set.calls, '2', 102626146);
    assert.equal(indel.vaf, 57 / 76);
    assert.equal(set.stats.readsFrom['strelka-snv'], 233);
    assert.equal(set.stats.readsFrom['strelka-indel'], 7);
  });
});

describe('MuTect v1 (vcf2maf test_mutect, GRCh37)', () => {
  it('drops the 495 REJECT records and reads AD in the TUMOR column', async () => {
    const set = await read('vcf2maf_test_mutect.grch37.vcf');
    assert.equal(set.build, 'GRCh37');
    assert.equal(set.tumourSample, 'TUMOR');
    assert.deepEqual(set.stats.filtered, { REJECT: 495 });
    assert.equal(set.stats.kept, 5);
    // 1 204429832 C A PASS ... NORMAL 0:43,0 ... TUMOR 0/1:39,3:32:42:0.071 → 3 / 42, depth DP 42
    const call = at(set.calls, '1', 204429832);
    assert.equal(call.vaf, 3 / 42);
    assert.equal(call.depth, 42);
    assert.equal(call.altDepth, 3);
  });

  it('takes another column when asked, and names the columns when the name is wrong', async () => {
    const normal = await read('vcf2maf_test_mutect.grch37.vcf', { tumourSample: 'NORMAL' });
    assert.equal(at(normal.calls, '1', 204429832).vaf, 0);
    await assert.rejects(read('vcf2maf_test_mutect.grch37.vcf', { tumourSample: 'T1' }), /sample "T1" is not in the file; its columns are "NORMAL", "TUMOR"/);
  });
});

describe('minimal GRCh38 file (vcf2maf test_b38)', () => {
  it('reads the build from the length of contig 21 and keeps unfiltered records unless a FILTER is required', async () => {
    const set = await read('vcf2maf_test_b38.vcf');
    assert.equal(set.build, 'GRCh38');
    assert.equal(set.stats.kept, 25);
    // line 8: 21 34792478 C T . . . GT:AD:DP 0/1:778,123:901
    const call = at(set.calls, '21', 34792478);
    assert.equal(call.line, 8);
    assert.equal(call.filter, '.');
    assert.equal(call.vaf, 123 / 901);
    assert.equal(call.depth, 901);
    const strict = await read('vcf2maf_test_b38.vcf', { requireFilter: true });
    assert.equal(strict.stats.kept, 0);
    assert.equal(strict.stats.filtered['.'], 25);
  });

  it('applies depth and VAF minimums', async () => {
    const all = await read('vcf2maf_test_b38.vcf');
    const set = await read('vcf2maf_test_b38.vcf', { minDepth: 100, minVaf: 0.1 });
    const expected = all.calls.filter((c) => (c.depth ?? 0) >= 100 && (c.vaf ?? 0) >= 0.1).length;
    assert.equal(set.stats.kept, expected);
    assert.ok(set.stats.belowDepth > 0);
    assert.equal(set.stats.kept + set.stats.belowDepth + set.stats.belowVaf, 25);
  });
});

describe('PCGR example tumours (bgzip, GRCh38 liftover, unannotated)', () => {
  it('recognises PIK3CA H1047R in the breast tumour from the coordinate table and reads TVAF/TDP', async () => {
    const set = await read('pcgr_T001-BRCA.grch38.vcf.gz');
    assert.equal(set.build, 'GRCh38');
    assert.deepEqual(set.buildFrom, ['##liftOverChainFile']);
    assert.equal(set.annotation, 'none');
    assert.equal(set.stats.kept, 196);
    assert.ok('unavailable' in set.tmb);
    // line 53: 3 179234297 A G PASS TCGA_CODE=BRCA;TVAF=0.418918918919;TDP=74
    const call = at(set.calls, '3', 179234297);
    assert.equal(call.line, 53);
    assert.equal(call.hotspot, 'PIK3CA_H1047R');
    assert.equal(call.gene, 'PIK3CA');
    assert.equal(call.proteinChange, 'p.H1047R');
    assert.equal(call.vaf, 0.418918918919);
    assert.equal(call.depth, 74);
    assert.deepEqual(set.calls.filter((c) => c.hotspot).map((c) => c.hotspot), ['PIK3CA_H1047R']);
  });

  it('streams all 3,313 calls of the colon tumour and finds BRAF V600E', async () => {
    const set = await read('pcgr_T001-COAD.grch38.vcf.gz');
    assert.equal(set.stats.records, 3313);
    assert.equal(set.stats.kept, 3313);
    // line 1257: 7 140753336 A T PASS TCGA_CODE=COAD;TVAF=0.314814814815;TDP=54
    const braf = at(set.calls, '7', 140753336);
    assert.equal(braf.hotspot, 'BRAF_V600E');
    assert.equal(braf.vaf, 0.314814814815);
    assert.equal(braf.depth, 54);
  });
});
