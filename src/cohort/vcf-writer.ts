import { GRCH38_CONTIGS, HOTSPOTS } from './hotspots.ts';
import type { SomaticCall } from './somatic-calls.ts';

/**
 * Writes a tumour/normal somatic VCF (VCF 4.2, GRCh38) annotated the way the site's pipeline
 * does it: Ensembl VEP's `CSQ` (layout declared in the header) or snpEff's `ANN` (16 fields).
 */

export const CSQ_FIELDS = ['Allele', 'Consequence', 'IMPACT', 'SYMBOL', 'Gene', 'Feature_type', 'Feature', 'BIOTYPE', 'EXON', 'HGVSc', 'HGVSp', 'CANONICAL'] as const;

const ANN_HEADER =
  "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO'";

/** Characters VCF INFO values may not carry verbatim (VCF 4.2 §1.2; snpEff escapes `=` in `p.=` the same way). */
function escapeInfo(value: string): string {
  return value.replace(/%/g, '%25').replace(/;/g, '%3B').replace(/=/g, '%3D').replace(/,/g, '%2C').replace(/\|/g, '%7C');
}

/** The allele VEP writes in CSQ: the ALT without the shared anchor base, `-` for a deletion. */
function vepAllele(ref: string, alt: string): string {
  if (ref.length === alt.length) return alt;
  return alt.length > ref.length ? alt.slice(1) : '-';
}

function csq(call: SomaticCall): string {
  const h = call.hotspot ? HOTSPOTS[call.hotspot] : undefined;
  const values: Record<(typeof CSQ_FIELDS)[number], string> = {
    Allele: vepAllele(call.ref, call.alt),
    Consequence: call.consequence,
    IMPACT: call.impact,
    SYMBOL: call.gene,
    Gene: h?.ensemblGene ?? '',
    Feature_type: 'Transcript',
    Feature: h?.ensemblTranscript ?? '',
    BIOTYPE: 'protein_coding',
    EXON: h?.exon ?? '',
    HGVSc: h ? `${h.ensemblTranscript}:${call.hgvsc}` : call.hgvsc,
    HGVSp: call.hgvsp ? (h ? `${h.ensemblProtein}:${call.hgvsp}` : call.hgvsp) : '',
    CANONICAL: h ? 'YES' : '',
  };
  return CSQ_FIELDS.map((f) => escapeInfo(values[f])).join('|');
}

function annBlock(call: SomaticCall, transcript: string, hgvsp: string, rank: string): string {
  const snpEffProtein = hgvsp.replace(/Ter$/, '*');
  return [
    call.alt,
    call.snpEffConsequence,
    call.impact,
    call.gene,
    call.gene,
    'transcript',
    transcript,
    'protein_coding',
    rank,
    call.hgvsc,
    snpEffProtein,
    '',
    '',
    '',
    '',
    '',
  ]
    .map(escapeInfo)
    .join('|');
}

function ann(call: SomaticCall): string {
  const h = call.hotspot ? HOTSPOTS[call.hotspot] : undefined;
  const rank = h?.exon ?? '';
  const blocks = [annBlock(call, h?.refseqTranscript ?? '', call.hgvsp, rank)];
  // snpEff reports every transcript; the EGFR isoform NM_001346897.2 numbers L858 as L813
  if (call.hotspot === 'EGFR_L858R') blocks.push(annBlock(call, 'NM_001346897.2', 'p.Leu813Arg', '20/27'));
  return blocks.join(',');
}

export interface VcfOptions {
  annotation: 'CSQ' | 'ANN';
  tumorSample: string;
  normalSample: string;
  fileDate: string;
}

/** The complete VCF text for one tumour/normal pair. */
export function writeVcf(calls: readonly SomaticCall[], options: VcfOptions): string {
  const lines: string[] = [
    '##fileformat=VCFv4.2',
    `##fileDate=${options.fileDate.replace(/-/g, '')}`,
    '##source=sangam-cohort-generator (synthetic data)',
    '##reference=GRCh38',
    ...GRCH38_CONTIGS.map(([id, length]) => `##contig=<ID=${id},length=${length},assembly=GRCh38>`),
    `##tumor_sample=${options.tumorSample}`,
    `##normal_sample=${options.normalSample}`,
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=LowQual,Description="Low alternate-allele support">',
    '##FILTER=<ID=germline_risk,Description="Evidence that the alternate allele is germline">',
    '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation">',
    options.annotation === 'CSQ'
      ? `##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: ${CSQ_FIELDS.join('|')}">`
      : `##INFO=<ID=ANN,Number=.,Type=String,Description="${ANN_HEADER}">`,
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">',
    '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction of the alternate allele">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
    ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO', 'FORMAT', options.normalSample, options.tumorSample].join('\t'),
  ];
  for (const c of calls) {
    const info = `SOMATIC;${options.annotation}=${options.annotation === 'CSQ' ? csq(c) : ann(c)}`;
    const af = (c.altCount / c.depth).toFixed(3);
    const normal = `0/0:${c.normalDepth},0:0.000:${c.normalDepth}`;
    const tumor = `0/1:${c.depth - c.altCount},${c.altCount}:${af}:${c.depth}`;
    const qual = Math.min(99, 10 + c.altCount).toString();
    lines.push([c.chrom, c.pos, '.', c.ref, c.alt, qual, c.filter, info, 'GT:AD:AF:DP', normal, tumor].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}
