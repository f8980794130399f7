/**
 * Matches one CIViC variant rule against a patient's variant calls. The answer is `present`,
 * `absent` (no call fits) or `unknown` (the VCF cannot tell: a copy-number or expression change,
 * a call without its protein change, an exon not annotated). `unknown` is never turned into
 * `absent`: an amplification the VCF cannot show is not an amplification the patient lacks.
 */
import { isProteinAltering, toSoTerm } from '../genomics/consequences.ts';
import { shortProteinChange } from '../genomics/protein-change.ts';
import type { VariantRule } from './variant-rules.ts';

/**
 * A call as the genomics module stores it (`StoredVariant`) or reads it (`VariantCall`): gene
 * symbol, HGVSp or its short form (`p.L858R`), HGVSc, SO consequence terms and VEP's `EXON` (`19/28`).
 */
export interface PatientVariant {
  gene?: string | null;
  proteinChange?: string | null;
  hgvsp?: string | null;
  hgvsc?: string | null;
  /** the most severe SO term */
  consequence?: string | null;
  /** all SO terms of the picked annotation */
  terms?: readonly string[];
  /** VEP's `EXON` or snpEff's rank: `19/28`, or `18-19/28` across two exons */
  exon?: string | null;
}

interface PreparedVariant {
  index: number;
  /** short protein change upper-cased without `p.` (`L858R`, `E746_A750DEL`, `K468RFS*5`) */
  protein?: { text: string; ref: string; position: number; frameshift: boolean };
  terms: string[];
  exons?: number[];
  proteinAltering: boolean;
  truncating: boolean;
  splicing: boolean;
  hgvsc?: string;
}

/** A patient's calls grouped by gene, prepared once for every rule. */
export interface PatientVariantIndex {
  byGene: ReadonlyMap<string, readonly PreparedVariant[]>;
  /** some calls carry no consequence annotation, so the absence of a fitting call proves nothing */
  unannotated: boolean;
  /** genes the assay covered, where no call means wild type; without it, wild type is never assumed */
  testedGenes: ReadonlySet<string>;
}

export type LeafState = 'present' | 'absent' | 'unknown';

export interface LeafResult {
  state: LeafState;
  /** indexes (into the patient's variant list) of the calls that fit */
  variants: number[];
  /** why the answer is unknown */
  reason?: string;
}

// loss-of-function by ACMG PVS1's null-variant classes (Richards et al. 2015, doi:10.1038/gim.2015.30)
const TRUNCATING = new Set(['stop_gained', 'frameshift_variant', 'splice_acceptor_variant', 'splice_donor_variant', 'start_lost', 'transcript_ablation']);

function exonsOf(exon: string | null | undefined): number[] | undefined {
  const m = exon ? /^(\d+)(?:-(\d+))?(?:\/\d+)?$/.exec(exon.trim()) : null;
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** `ENST…:c.1285dupC` → `C.1285DUP`: transcript dropped, and the repeated bases VEP omits after del/dup. */
export function normaliseCoding(hgvsc: string): string {
  const c = hgvsc.slice(hgvsc.lastIndexOf(':') + 1).toUpperCase();
  return c.replace(/(DEL|DUP)[ACGT]+$/, '$1');
}

function prepare(v: PatientVariant, index: number): PreparedVariant {
  const terms = (v.terms && v.terms.length > 0 ? [...v.terms] : v.consequence ? v.consequence.split('&') : []).map(toSoTerm);
  const short = v.proteinChange ?? shortProteinChange(v.hgvsp ?? undefined);
  const text = short?.replace(/^p\./, '').toUpperCase();
  const head = text ? /^([A-Z*])(\d+)/.exec(text) : null;
  const synonymous = text?.endsWith('=') ?? false;
  const out: PreparedVariant = {
    index,
    terms,
    proteinAltering: terms.length > 0 ? isProteinAltering(terms) : text !== undefined && !synonymous,
    truncating: terms.some((t) => TRUNCATING.has(t)),
    splicing: terms.some((t) => t.startsWith('splice_')),
  };
  if (text && head) out.protein = { text, ref: head[1] as string, position: Number(head[2]), frameshift: /FS/.test(text) };
  const exons = exonsOf(v.exon);
  if (exons) out.exons = exons;
  if (v.hgvsc) out.hgvsc = normaliseCoding(v.hgvsc);
  return out;
}

/** Groups a patient's calls by gene symbol (upper-cased, as CIViC spells genes). */
export function indexVariants(variants: readonly PatientVariant[], testedGenes: Iterable<string> = []): PatientVariantIndex {
  const byGene = new Map<string, PreparedVariant[]>();
  let unannotated = false;
  variants.forEach((v, i) => {
    if (!v.consequence && !(v.terms && v.terms.length > 0)) unannotated = true;
    if (!v.gene) return;
    const gene = v.gene.toUpperCase();
    const list = byGene.get(gene) ?? [];
    list.push(prepare(v, i));
    byGene.set(gene, list);
  });
  return { byGene, unannotated, testedGenes: new Set([...testedGenes].map((g) => g.toUpperCase())) };
}

function classFits(v: PreparedVariant, change: 'deletion' | 'insertion' | 'any' | 'frameshift'): boolean {
  const text = v.protein?.text ?? '';
  switch (change) {
    case 'any':
      return v.proteinAltering;
    case 'frameshift':
      return v.terms.includes('frameshift_variant') || v.protein?.frameshift === true;
    case 'deletion':
      // without terms, fall back on the protein change (`E746_A750DEL`, `L747_P753DELINSS`)
      return v.terms.length > 0 ? v.terms.includes('inframe_deletion') : /DEL/.test(text) && !/FS/.test(text);
    case 'insertion':
      return v.terms.length > 0 ? v.terms.includes('inframe_insertion') : /INS|DUP/.test(text) && !/FS|DELINS/.test(text);
  }
}

const NO_PROTEIN = 'a protein-altering call in the gene has no protein change annotated';

/** Whether the calls of `gene` hold the variant `rule` describes. */
export function matchRule(gene: string, rule: VariantRule, index: PatientVariantIndex): LeafResult {
  const calls = index.byGene.get(gene.toUpperCase()) ?? [];
  const result = evaluate(rule, calls);
  if (result.state === 'absent' && index.unannotated) {
    return { state: 'unknown', variants: [], reason: 'some calls have no consequence annotation, so a missing call proves nothing' };
  }
  return result;
}

function found(hits: readonly PreparedVariant[], otherwise: LeafResult): LeafResult {
  return hits.length > 0 ? { state: 'present', variants: hits.map((h) => h.index) } : otherwise;
}

const ABSENT: LeafResult = { state: 'absent', variants: [] };

function evaluate(rule: VariantRule, calls: readonly PreparedVariant[]): LeafResult {
  const unannotatedProtein = calls.some((c) => c.proteinAltering && !c.protein);
  const orUnknownProtein: LeafResult = unannotatedProtein ? { state: 'unknown', variants: [], reason: NO_PROTEIN } : ABSENT;
  switch (rule.kind) {
    case 'protein':
      return found(calls.filter((c) => c.protein && rule.changes.includes(c.protein.text)), orUnknownProtein);
    case 'frameshift':
      return found(
        calls.filter((c) => c.protein?.frameshift && c.protein.ref === rule.ref && c.protein.position === rule.position),
        orUnknownProtein,
      );
    case 'codon':
      return found(
        calls.filter((c) => c.proteinAltering && c.protein && rule.codons.some((k) => k.ref === c.protein?.ref && k.position === c.protein.position)),
        orUnknownProtein,
      );
    case 'coding': {
      const want = normaliseCoding(rule.hgvsc);
      const missing = calls.some((c) => c.hgvsc === undefined);
      return found(calls.filter((c) => c.hgvsc === want), missing ? { state: 'unknown', variants: [], reason: 'a call in the gene has no HGVSc' } : ABSENT);
    }
    case 'gene':
      return found(calls.filter((c) => c.proteinAltering), ABSENT);
    case 'exon': {
      const fitting = calls.filter((c) => classFits(c, rule.change));
      const inExon = fitting.filter((c) => c.exons?.some((e) => rule.exons.includes(e)));
      const noExon = fitting.some((c) => c.exons === undefined);
      return found(inExon, noExon ? { state: 'unknown', variants: [], reason: 'a fitting call has no exon annotated' } : ABSENT);
    }
    case 'exonSkipping': {
      const suspects = calls.filter((c) => c.splicing || (c.proteinAltering && c.exons?.includes(rule.exon)));
      return suspects.length > 0
        ? { state: 'unknown', variants: suspects.map((c) => c.index), reason: `whether exon ${rule.exon} is skipped needs RNA evidence` }
        : ABSENT;
    }
    case 'lossOfFunction':
      return found(
        calls.filter((c) => c.truncating),
        { state: 'unknown', variants: [], reason: 'loss of function can come from a copy-number loss, which a VCF of small variants does not show' },
      );
    case 'consequence':
      return found(calls.filter((c) => c.terms.some((t) => rule.terms.includes(t))), ABSENT);
    case 'functional': {
      const candidates = calls.filter((c) => c.proteinAltering);
      return candidates.length > 0
        ? { state: 'unknown', variants: candidates.map((c) => c.index), reason: `whether a call is a "${rule.label}" needs functional interpretation` }
        : ABSENT;
    }
    case 'notAssessable':
      return { state: 'unknown', variants: [], reason: `${rule.category} is not shown by a VCF of small variants` };
  }
}
