import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsForTmb, mostSevere, TmbMethod } from '../../src/genomics/consequences.ts';
import { shortProteinChange } from '../../src/genomics/protein-change.ts';
import { readVcf } from '../../src/genomics/read-vcf.ts';

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

const HEAD = ['##fileformat=VCFv4.2', '##reference=GRCh38', '##contig=<ID=chr7,length=159345973>', '##contig=<ID=chr12,length=133275309>'];
const FMT = ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">', '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">', '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">'];
const COLS = '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR';

describe('protein changes', () => {
  it('shortens three-letter HGVSp the way knowledge bases key it', () => {
    assert.equal(shortProteinChange('ENSP00000275493.2:p.Leu858Arg'), 'p.L858R');
    assert.equal(shortProteinChange('p.Glu746_Ala750del'), 'p.E746_A750del');
    assert.equal(shortProteinChange('p.Arg175Ter'), 'p.R175*');
    assert.equal(shortProteinChange('p.(Val600Glu)'), 'p.V600E');
    assert.equal(shortProteinChange('p.Lys12ArgfsTer5'), 'p.K12Rfs*5');
    assert.equal(shortProteinChange('ENSP00000288602.6:p.Gly469%3D'), 'p.G469=');
    assert.equal(shortProteinChange('c.35G>A'), undefined);
    assert.equal(shortProteinChange(undefined), undefined);
  });
});

describe('consequence terms', () => {
  it('ranks terms by VEP severity and maps snpEff names', () => {
    assert.equal(mostSevere(['splice_region_variant', 'missense_variant']), 'missense_variant');
    assert.equal(mostSevere(['disruptive_inframe_deletion']), 'inframe_deletion');
    assert.equal(mostSevere(['intron_variant', 'stop_gained']), 'stop_gained');
  });

  it("counts for TMB as PCGR's patterns say", () => {
    assert.equal(countsForTmb(['synonymous_variant'], TmbMethod.CODING_AND_SILENT), true);
    assert.equal(countsForTmb(['synonymous_variant'], TmbMethod.CODING_NON_SILENT), false);
    assert.equal(countsForTmb(['splice_region_variant', 'synonymous_variant'], TmbMethod.CODING_AND_SILENT), true);
    assert.equal(countsForTmb(['splice_donor_variant'], TmbMethod.CODING_NON_SILENT), true);
    assert.equal(countsForTmb(['frameshift_variant'], TmbMethod.MISSENSE_ONLY), false);
    assert.equal(countsForTmb(['intron_variant'], TmbMethod.CODING_AND_SILENT), false);
    assert.equal(countsForTmb(['conservative_inframe_deletion'], TmbMethod.CODING_NON_SILENT), true);
  });
});

describe('VEP CSQ with several transcripts', () => {
  it('takes the canonical transcript over a more severe non-canonical one, and the MANE Select over both', async () => {
    const csqHeader = '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|MANE_SELECT">';
    const blocks = [
      'G|stop_gained|HIGH|EGFR|ENST00000999999|protein_coding|ENST00000999999.1:c.1T>G|ENSP00000999999.1:p.Leu1Ter||',
      'G|missense_variant|MODERATE|EGFR|ENST00000275493|protein_coding|ENST00000275493.7:c.2573T>G|ENSP00000275493.2:p.Leu858Arg|YES|',
    ];
    const line = `chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ=${blocks.join(',')}\tGT:AD:DP\t0/0:30,0:30\t0/1:60,40:100`;
    const set = await readVcf(bytes([...HEAD, csqHeader, ...FMT, COLS, line, ''].join('\n')), { fileName: 't.vcf' });
    const [call] = set.calls;
    assert.equal(call?.transcript, 'ENST00000275493');
    assert.equal(call?.proteinChange, 'p.L858R');
    assert.equal(call?.hotspot, 'EGFR_L858R');
    assert.equal(call?.chrom, '7');
    assert.equal(call?.vaf, 0.4);

    const mane = `G|synonymous_variant|LOW|EGFR|ENST00000455089|protein_coding|||| NM_005228.5`;
    const line2 = `chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ=${[...blocks, mane].join(',')}\tGT:AD:DP\t0/0:30,0:30\t0/1:60,40:100`;
    const set2 = await readVcf(bytes([...HEAD, csqHeader, ...FMT, COLS, line2, ''].join('\n')), { fileName: 't.vcf' });
    assert.equal(set2.calls[0]?.transcript, 'ENST00000455089');
  });

  it('splits a multi-allelic record and matches each allele to its CSQ blocks (VEP trims the shared first base)', async () => {
    const csqHeader = '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|HGVSp|CANONICAL">';
    // CA>C and CA>CAA share the anchor C, so VEP writes the alleles as - and AA
    const line = `chr12\t25245350\t.\tCA\tC,CAA\t.\tPASS\tCSQ=AA|frameshift_variant|KRAS|p.Gly12fs|YES,-|inframe_deletion|KRAS|p.Gly12del|YES\tGT:AD:DP\t0/0:50,0,0:50\t0/1/2:50,10,40:100`;
    const set = await readVcf(bytes([...HEAD, csqHeader, ...FMT, COLS, line, ''].join('\n')), { fileName: 't.vcf' });
    assert.equal(set.calls.length, 2);
    assert.deepEqual(set.calls.map((c) => [c.alt, c.consequence, c.vaf]), [['C', 'inframe_deletion', 0.1], ['CAA', 'frameshift_variant', 0.4]]);
  });
});

describe('snpEff ANN', () => {
  const annHeader =
    "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' \">";

  it('reads the 16 fields, &-joined terms and several blocks, and counts TMB from them', async () => {
    const ann = [
      'A|missense_variant&splice_region_variant|MODERATE|KRAS|ENSG00000133703|transcript|ENST00000311936.8|protein_coding|2/5|c.35G>T|p.Gly12Val|||||',
      'A|upstream_gene_variant|MODIFIER|LYRM5|ENSG00000205707|transcript|ENST00000381261.4|protein_coding||c.-3000C>A|||||3000|',
    ].join(',');
    const syn = 'T|synonymous_variant|LOW|KRAS|ENSG00000133703|transcript|ENST00000311936.8|protein_coding|2/5|c.36A>T|p.Gly12Gly|||||';
    const lines = [
      `chr12\t25245350\t.\tC\tA\t.\tPASS\tANN=${ann}\tGT:AD:DP\t0/0:40,0:40\t0/1:30,10:40`,
      `chr12\t25245349\t.\tA\tT\t.\tPASS\tANN=${syn}\tGT:AD:DP\t0/0:40,0:40\t0/1:30,10:40`,
    ];
    const set = await readVcf(bytes([...HEAD, annHeader, ...FMT, COLS, ...lines, ''].join('\n')), { fileName: 'ann.vcf' });
    assert.equal(set.annotation, 'snpeff');
    const [kras, synonymous] = set.calls;
    assert.equal(kras?.gene, 'KRAS');
    assert.deepEqual(kras?.terms, ['missense_variant', 'splice_region_variant']);
    assert.equal(kras?.proteinChange, 'p.G12V');
    assert.equal(kras?.hotspot, 'KRAS_G12V');
    assert.equal(synonymous?.proteinChange, 'p.G12G');
    assert.ok(!('unavailable' in set.tmb));
    assert.equal(set.tmb.count, 2); // coding_and_silent counts the synonymous call too
  });
});
