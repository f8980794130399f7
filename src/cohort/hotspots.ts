/**
 * Actionable and common driver hotspots at their true GRCh38 positions (VCF style: 1-based,
 * left-aligned, with the anchor base for deletions). Each coordinate was checked against the
 * public source named in `source`; the GRCh37 position is given where a source stated it, as a
 * cross-check (the EGFR region is 67,693 bp lower on GRCh38).
 */
export interface Hotspot {
  key: HotspotKey;
  gene: string;
  hgncId: string;
  chrom: string;
  /** RefSeq accession of the chromosome, for genomic HGVS */
  refseqChrom: string;
  pos: number;
  ref: string;
  alt: string;
  consequence: 'missense_variant' | 'inframe_deletion';
  /** snpEff's name for the same consequence */
  snpEffConsequence: string;
  impact: 'MODERATE' | 'HIGH';
  ensemblGene: string;
  ensemblTranscript: string;
  ensemblProtein: string;
  refseqTranscript: string;
  exon: string;
  hgvsc: string;
  /** three-letter protein change, as VEP and snpEff write it */
  hgvsp: string;
  /** one-letter short form (`L858R`) as knowledge bases key it */
  short: string;
  genomicHgvs: string;
  source: string;
}

export type HotspotKey =
  | 'EGFR_L858R'
  | 'EGFR_E746_A750del'
  | 'KRAS_G12C'
  | 'KRAS_G12D'
  | 'KRAS_G12V'
  | 'KRAS_G13D'
  | 'BRAF_V600E'
  | 'PIK3CA_H1047R'
  | 'TP53_R175H';

const EGFR = { gene: 'EGFR', hgncId: 'HGNC:3236', chrom: 'chr7', refseqChrom: 'NC_000007.14', ensemblGene: 'ENSG00000146648', ensemblTranscript: 'ENST00000275493', ensemblProtein: 'ENSP00000275493', refseqTranscript: 'NM_005228.5' };
const KRAS = { gene: 'KRAS', hgncId: 'HGNC:6407', chrom: 'chr12', refseqChrom: 'NC_000012.12', ensemblGene: 'ENSG00000133703', ensemblTranscript: 'ENST00000311936', ensemblProtein: 'ENSP00000308495', refseqTranscript: 'NM_004985.5', exon: '2/5' };
const BRAF = { gene: 'BRAF', hgncId: 'HGNC:1097', chrom: 'chr7', refseqChrom: 'NC_000007.14', ensemblGene: 'ENSG00000157764', ensemblTranscript: 'ENST00000288602', ensemblProtein: 'ENSP00000288602', refseqTranscript: 'NM_004333.6' };
const PIK3CA = { gene: 'PIK3CA', hgncId: 'HGNC:8975', chrom: 'chr3', refseqChrom: 'NC_000003.12', ensemblGene: 'ENSG00000121879', ensemblTranscript: 'ENST00000263967', ensemblProtein: 'ENSP00000263967', refseqTranscript: 'NM_006218.4' };
const TP53 = { gene: 'TP53', hgncId: 'HGNC:11998', chrom: 'chr17', refseqChrom: 'NC_000017.11', ensemblGene: 'ENSG00000141510', ensemblTranscript: 'ENST00000269305', ensemblProtein: 'ENSP00000269305', refseqTranscript: 'NM_000546.6' };

const missense = { consequence: 'missense_variant', snpEffConsequence: 'missense_variant', impact: 'MODERATE' } as const;

export const HOTSPOTS: Readonly<Record<HotspotKey, Hotspot>> = {
  EGFR_L858R: {
    key: 'EGFR_L858R', ...EGFR, ...missense, pos: 55191822, ref: 'T', alt: 'G', exon: '21/28',
    hgvsc: 'c.2573T>G', hgvsp: 'p.Leu858Arg', short: 'L858R', genomicHgvs: 'NC_000007.14:g.55191822T>G',
    source: 'bbglab/deepCSA docs/file_formats.md hotspot table (chr7 55191822 T>G EGFR_L858R); GRCh37 chr7:55259515 stated alongside GRCh38 55191822 in a public pipeline note',
  },
  EGFR_E746_A750del: {
    key: 'EGFR_E746_A750del', ...EGFR, consequence: 'inframe_deletion', snpEffConsequence: 'disruptive_inframe_deletion', impact: 'MODERATE',
    pos: 55174771, ref: 'AGGAATTAAGAGAAGC', alt: 'A', exon: '19/28',
    hgvsc: 'c.2235_2249del', hgvsp: 'p.Glu746_Ala750del', short: 'E746_A750del', genomicHgvs: 'NC_000007.14:g.55174772_55174786del',
    source: 'GRCh38 chr7:55174772 deletion of GGAATTAAGAGAAGC (exon 19 c.2235_2249del) in public VRS examples; the VCF record adds the anchor base at 55174771 (GRCh37 55242464 AGGAATTAAGAGAAGC>A)',
  },
  KRAS_G12C: {
    key: 'KRAS_G12C', ...KRAS, ...missense, pos: 25245351, ref: 'C', alt: 'A',
    hgvsc: 'c.34G>T', hgvsp: 'p.Gly12Cys', short: 'G12C', genomicHgvs: 'NC_000012.12:g.25245351C>A',
    source: 'bbglab/deepCSA hotspot table (chr12 25245351 C>A KRAS_G12C); OncoKB KRAS G12C GRCh38 link 12:25245351',
  },
  KRAS_G12D: {
    key: 'KRAS_G12D', ...KRAS, ...missense, pos: 25245350, ref: 'C', alt: 'T',
    hgvsc: 'c.35G>A', hgvsp: 'p.Gly12Asp', short: 'G12D', genomicHgvs: 'NC_000012.12:g.25245350C>T',
    source: 'bbglab/deepCSA hotspot table (chr12 25245350 C>T KRAS_G12D)',
  },
  KRAS_G12V: {
    key: 'KRAS_G12V', ...KRAS, ...missense, pos: 25245350, ref: 'C', alt: 'A',
    hgvsc: 'c.35G>T', hgvsp: 'p.Gly12Val', short: 'G12V', genomicHgvs: 'NC_000012.12:g.25245350C>A',
    source: 'bbglab/deepCSA hotspot table (chr12 25245350 C>A KRAS_G12V)',
  },
  KRAS_G13D: {
    key: 'KRAS_G13D', ...KRAS, ...missense, pos: 25245347, ref: 'C', alt: 'T',
    hgvsc: 'c.38G>A', hgvsp: 'p.Gly13Asp', short: 'G13D', genomicHgvs: 'NC_000012.12:g.25245347C>T',
    source: 'public hotspot tables listing G13D at GRCh38 12:25245347 C>T (COSMIC-derived KRAS table; recurrent-variant key 12_25245347_C_T)',
  },
  BRAF_V600E: {
    key: 'BRAF_V600E', ...BRAF, ...missense, pos: 140753336, ref: 'A', alt: 'T', exon: '15/18',
    hgvsc: 'c.1799T>A', hgvsp: 'p.Val600Glu', short: 'V600E', genomicHgvs: 'NC_000007.14:g.140753336A>T',
    source: 'biocommons anyvar docs (NC_000007.14:g.140753336A>T = NM_004333.6:c.1799T>A); myvariant.info hg38 fixture chr7:g.140753336A>T (rs113488022); transvar BRAF:p.V600E on ENST00000288602',
  },
  PIK3CA_H1047R: {
    key: 'PIK3CA_H1047R', ...PIK3CA, ...missense, pos: 179234297, ref: 'A', alt: 'G', exon: '21/21',
    hgvsc: 'c.3140A>G', hgvsp: 'p.His1047Arg', short: 'H1047R', genomicHgvs: 'NC_000003.12:g.179234297A>G',
    source: 'NCI GDC documentation example chr3:g.179234297A>G (PIK3CA H1047R, TCGA-BRCA survival query)',
  },
  TP53_R175H: {
    key: 'TP53_R175H', ...TP53, ...missense, pos: 7675088, ref: 'C', alt: 'T', exon: '5/11',
    hgvsc: 'c.524G>A', hgvsp: 'p.Arg175His', short: 'R175H', genomicHgvs: 'NC_000017.11:g.7675088C>T',
    source: 'public transcript-choice test table: TP53 R175H (chr17:7675088 C>T)',
  },
};

/** GRCh38 chromosome lengths (Genome Reference Consortium, GRCh38.p14 primary assembly). */
export const GRCH38_CONTIGS: ReadonlyArray<readonly [string, number]> = [
  ['chr1', 248956422], ['chr2', 242193529], ['chr3', 198295559], ['chr4', 190214555], ['chr5', 181538259],
  ['chr6', 170805979], ['chr7', 159345973], ['chr8', 145138636], ['chr9', 138394717], ['chr10', 133797422],
  ['chr11', 135086622], ['chr12', 133275309], ['chr13', 114364328], ['chr14', 107043718], ['chr15', 101991189],
  ['chr16', 90338345], ['chr17', 83257441], ['chr18', 80373285], ['chr19', 58617616], ['chr20', 64444167],
  ['chr21', 46709983], ['chr22', 50818468], ['chrX', 156040895], ['chrY', 57227415],
];

/**
 * Genes that collect passenger mutations (long genes, often mutated in exomes), with their
 * chromosome and an approximate GRCh38 span. Passenger positions inside the span, their
 * reference bases and their annotations are synthetic; only the hotspots above are real.
 */
export const PASSENGER_GENES: ReadonlyArray<{ gene: string; chrom: string; start: number; end: number }> = [
  { gene: 'TTN', chrom: 'chr2', start: 178525989, end: 178807423 },
  { gene: 'MUC16', chrom: 'chr19', start: 8848844, end: 8981342 },
  { gene: 'CSMD3', chrom: 'chr8', start: 112222928, end: 113436939 },
  { gene: 'RYR2', chrom: 'chr1', start: 237042184, end: 237833988 },
  { gene: 'LRP1B', chrom: 'chr2', start: 140231423, end: 142131016 },
  { gene: 'USH2A', chrom: 'chr1', start: 215622891, end: 216423448 },
  { gene: 'ZFHX4', chrom: 'chr8', start: 76681208, end: 76867283 },
  { gene: 'SYNE1', chrom: 'chr6', start: 152121687, end: 152637801 },
  { gene: 'OBSCN', chrom: 'chr1', start: 228208132, end: 228378874 },
  { gene: 'PCLO', chrom: 'chr7', start: 82754012, end: 83162904 },
  { gene: 'FAT4', chrom: 'chr4', start: 125316399, end: 125492932 },
  { gene: 'DNAH5', chrom: 'chr5', start: 13690331, end: 13944551 },
  { gene: 'SPTA1', chrom: 'chr1', start: 158610704, end: 158686715 },
  { gene: 'HMCN1', chrom: 'chr1', start: 185734564, end: 186190949 },
  { gene: 'CSMD1', chrom: 'chr8', start: 2935353, end: 4994972 },
  { gene: 'FAT3', chrom: 'chr11', start: 92351442, end: 92896470 },
  { gene: 'COL11A1', chrom: 'chr1', start: 102876467, end: 103108580 },
  { gene: 'AHNAK2', chrom: 'chr14', start: 104937244, end: 104978374 },
  { gene: 'KMT2D', chrom: 'chr12', start: 49018975, end: 49060794 },
  { gene: 'APC', chrom: 'chr5', start: 112707498, end: 112846239 },
];
