/**
 * Consequence annotations written by Ensembl VEP (`CSQ`) or snpEff (`ANN`). The layout of each is
 * read from its `##INFO` header line, never assumed: VEP's field set depends on how it was run.
 */
import { mostSevere, severityRank } from './consequences.ts';

export type AnnotationSource = 'vep' | 'snpeff' | 'none';

/** One transcript-level annotation block, in a caller-independent form. */
export interface TranscriptAnnotation {
  allele: string;
  /** SO terms as written (`&`-joined in the file) */
  terms: string[];
  impact?: string;
  gene?: string;
  geneId?: string;
  /** `HGNC:1097` form */
  hgncId?: string;
  transcript?: string;
  biotype?: string;
  exon?: string;
  hgvsc?: string;
  hgvsp?: string;
  canonical: boolean;
  mane: boolean;
}

type Field = 'allele' | 'consequence' | 'impact' | 'gene' | 'geneId' | 'hgncId' | 'transcript' | 'biotype' | 'exon' | 'hgvsc' | 'hgvsp' | 'canonical' | 'mane';

/** Header field names (lower-cased, spaces and dots removed) for each field, VEP's and snpEff's. */
const NAMES: Readonly<Record<Field, readonly string[]>> = {
  allele: ['allele'],
  consequence: ['consequence', 'annotation'],
  impact: ['impact', 'annotation_impact'],
  gene: ['symbol', 'gene_name'],
  geneId: ['gene', 'gene_id'],
  hgncId: ['hgnc_id'],
  transcript: ['feature', 'feature_id'],
  biotype: ['biotype', 'transcript_biotype'],
  exon: ['exon', 'rank'],
  hgvsc: ['hgvsc'],
  hgvsp: ['hgvsp'],
  canonical: ['canonical'],
  mane: ['mane_select', 'mane'],
};

export interface AnnotationLayout {
  source: Exclude<AnnotationSource, 'none'>;
  tag: 'CSQ' | 'ANN';
  fields: string[];
  index: Readonly<Record<Field, number>>;
}

/** The field list declared in a CSQ (`Format: a|b|c`) or ANN (`'a | b | c'`) description. */
function declaredFields(tag: 'CSQ' | 'ANN', description: string): string[] | undefined {
  const list = tag === 'CSQ' ? /Format:\s*([^"]+)/.exec(description)?.[1] : /'([^']+)'/.exec(description)?.[1] ?? /:\s*([^"]+\|[^"]+)/.exec(description)?.[1];
  if (!list) return undefined;
  return list.split('|').map((f) => f.trim());
}

function key(name: string): string {
  return name.toLowerCase().replace(/[\s.]/g, '');
}

/**
 * The annotation layout of a file from its INFO header descriptions (`CSQ` preferred over `ANN`
 * when a file has both), or undefined when the file is unannotated. Throws when the header
 * declares the tag but its field list cannot be read or lacks the allele and consequence.
 */
export function annotationLayout(infoDescriptions: ReadonlyMap<string, string>): AnnotationLayout | undefined {
  for (const tag of ['CSQ', 'ANN'] as const) {
    const description = infoDescriptions.get(tag);
    if (description === undefined) continue;
    const fields = declaredFields(tag, description);
    if (!fields) throw new Error(`the ##INFO=<ID=${tag}> header does not declare its field list`);
    const keys = fields.map(key);
    const index = {} as Record<Field, number>;
    for (const [field, names] of Object.entries(NAMES) as [Field, readonly string[]][]) {
      index[field] = keys.findIndex((k) => names.includes(k));
    }
    if (index.allele < 0 || index.consequence < 0) throw new Error(`the ##INFO=<ID=${tag}> field list has no Allele or Consequence field`);
    return { source: tag === 'CSQ' ? 'vep' : 'snpeff', tag, fields, index };
  }
  return undefined;
}

/** Splits one annotation block into its fields. */
export function parseBlock(layout: AnnotationLayout, block: string): TranscriptAnnotation {
  const parts = block.split('|');
  const get = (f: Field): string | undefined => {
    const i = layout.index[f];
    const v = i >= 0 ? parts[i]?.trim() : undefined;
    return v === '' || v === undefined ? undefined : v;
  };
  const out: TranscriptAnnotation = {
    allele: get('allele') ?? '',
    terms: (get('consequence') ?? '').split('&').filter(Boolean),
    canonical: get('canonical') === 'YES',
    mane: get('mane') !== undefined,
  };
  const optional = ['impact', 'gene', 'geneId', 'transcript', 'biotype', 'exon', 'hgvsc', 'hgvsp'] as const;
  for (const f of optional) {
    const v = get(f);
    if (v !== undefined) out[f] = v;
  }
  const hgnc = get('hgncId');
  // VEP writes the bare number in some releases and the prefixed id in others
  if (hgnc && /^(HGNC:)?\d+$/.test(hgnc)) out.hgncId = hgnc.startsWith('HGNC:') ? hgnc : `HGNC:${hgnc}`;
  return out;
}

/**
 * The allele as VEP writes it in CSQ: when every allele of the record shares its first base, VEP
 * drops it (`AGGAATTAAGAGAAGC>A` is allele `-`).
 */
export function vepAllele(ref: string, alts: readonly string[], alt: string): string {
  const shared = alts.every((a) => a.length > 0 && !a.startsWith('<') && a[0] === ref[0]) && ref.length > 0;
  if (!shared || alts.every((a) => a.length === 1 && ref.length === 1)) return alt;
  return alt.slice(1) || '-';
}

/** Whether an annotation block describes `alt` of this record. */
function describes(a: TranscriptAnnotation, layout: AnnotationLayout, ref: string, alts: readonly string[], alt: string): boolean {
  if (layout.source === 'vep') return a.allele === vepAllele(ref, alts, alt) || a.allele === alt;
  // snpEff's cancer mode writes `ALT-REF` for somatic alleles
  return a.allele === alt || a.allele.startsWith(`${alt}-`);
}

/**
 * Picks one annotation for an alternate allele: the MANE Select transcript first, then the
 * canonical one, then protein-coding transcripts, then the most severe consequence; ties keep
 * the file's order (snpEff already sorts by severity).
 */
export function pickAnnotation(
  layout: AnnotationLayout,
  blocks: readonly TranscriptAnnotation[],
  ref: string,
  alts: readonly string[],
  alt: string,
): (TranscriptAnnotation & { consequence: string }) | undefined {
  let candidates = blocks.filter((b) => describes(b, layout, ref, alts, alt));
  if (candidates.length === 0 && alts.length === 1) candidates = [...blocks];
  let best: TranscriptAnnotation | undefined;
  let bestKey: number[] = [];
  for (const b of candidates) {
    const k = [b.mane ? 0 : 1, b.canonical ? 0 : 1, b.biotype === undefined || b.biotype === 'protein_coding' ? 0 : 1, severityRank(b.terms)];
    if (!best || compare(k, bestKey) < 0) {
      best = b;
      bestKey = k;
    }
  }
  if (!best) return undefined;
  return { ...best, consequence: mostSevere(best.terms) ?? best.terms[0] ?? 'sequence_variant' };
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
