/**
 * Sequence Ontology consequence terms: how severe each is, how snpEff's names map onto VEP's, and
 * which ones count for TMB.
 */

/**
 * Ensembl VEP's consequence terms from most to least severe
 * (https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html).
 */
const SEVERITY_ORDER = [
  'transcript_ablation', 'splice_acceptor_variant', 'splice_donor_variant', 'stop_gained', 'frameshift_variant',
  'stop_lost', 'start_lost', 'transcript_amplification', 'feature_elongation', 'feature_truncation',
  'inframe_insertion', 'inframe_deletion', 'missense_variant', 'protein_altering_variant',
  'splice_donor_5th_base_variant', 'splice_region_variant', 'splice_donor_region_variant',
  'splice_polypyrimidine_tract_variant', 'incomplete_terminal_codon_variant', 'start_retained_variant',
  'stop_retained_variant', 'synonymous_variant', 'coding_sequence_variant', 'mature_miRNA_variant',
  '5_prime_UTR_variant', '3_prime_UTR_variant', 'non_coding_transcript_exon_variant', 'intron_variant',
  'NMD_transcript_variant', 'non_coding_transcript_variant', 'coding_transcript_variant', 'upstream_gene_variant',
  'downstream_gene_variant', 'TFBS_ablation', 'TFBS_amplification', 'TF_binding_site_variant',
  'regulatory_region_ablation', 'regulatory_region_amplification', 'regulatory_region_variant',
  'intergenic_variant', 'sequence_variant',
] as const;

const RANK = new Map<string, number>(SEVERITY_ORDER.map((term, i) => [term, i]));

/**
 * snpEff terms that VEP spells differently (snpEff ANN specification, "Effect" table); the rest
 * are already SO terms VEP uses.
 */
const SNPEFF_TO_SO: Readonly<Record<string, string>> = {
  conservative_inframe_insertion: 'inframe_insertion',
  disruptive_inframe_insertion: 'inframe_insertion',
  conservative_inframe_deletion: 'inframe_deletion',
  disruptive_inframe_deletion: 'inframe_deletion',
  exon_loss_variant: 'transcript_ablation',
  initiator_codon_variant: 'start_retained_variant',
  '5_prime_UTR_premature_start_codon_gain_variant': '5_prime_UTR_variant',
  non_coding_exon_variant: 'non_coding_transcript_exon_variant',
  non_coding_transcript_exon_variant: 'non_coding_transcript_exon_variant',
  intragenic_variant: 'intron_variant',
  intergenic_region: 'intergenic_variant',
  upstream_gene_variant: 'upstream_gene_variant',
  gene_fusion: 'transcript_ablation',
  bidirectional_gene_fusion: 'transcript_ablation',
};

/** The SO term VEP would use for a (possibly snpEff) consequence term. */
export function toSoTerm(term: string): string {
  return SNPEFF_TO_SO[term] ?? term;
}

/** Severity rank of a `&`-joined consequence list: its most severe term; lower is more severe. */
export function severityRank(terms: readonly string[]): number {
  let best: number = SEVERITY_ORDER.length;
  for (const t of terms) best = Math.min(best, RANK.get(toSoTerm(t)) ?? SEVERITY_ORDER.length);
  return best;
}

/** The most severe term of a list (the one that names the variant). */
export function mostSevere(terms: readonly string[]): string | undefined {
  let best: string | undefined;
  let rank = Infinity;
  for (const t of terms) {
    const so = toSoTerm(t);
    const r = RANK.get(so) ?? SEVERITY_ORDER.length;
    if (r < rank) {
      rank = r;
      best = so;
    }
  }
  return best;
}

/** PCGR's three TMB counting schemes. */
export const TmbMethod = {
  CODING_AND_SILENT: 'coding_and_silent',
  CODING_NON_SILENT: 'coding_non_silent',
  MISSENSE_ONLY: 'missense_only',
} as const;
export type TmbMethod = (typeof TmbMethod)[keyof typeof TmbMethod];

/**
 * PCGR's TMB classes (pcgr `pcgr_vars.py`, CSQ_CODING_PATTERN and CSQ_CODING_SILENT_PATTERN): stop
 * gained or lost, start lost, frameshift, missense, splice donor or acceptor terms, protein-altering
 * and in-frame indels; `coding_and_silent` adds synonymous and start/stop retained. Like PCGR's
 * unanchored pattern, a variant counts when any of its `&`-joined terms matches.
 */
const NON_SILENT = /^(stop_(lost|gained)|start_lost|frameshift_|missense_|splice_(donor|acceptor)|protein_altering|inframe_)/;
const SILENT = /^(synonymous|start_retained|stop_retained)/;

/** Whether a variant with these consequence terms counts for TMB under `method`. */
export function countsForTmb(terms: readonly string[], method: TmbMethod): boolean {
  const so = terms.map(toSoTerm);
  switch (method) {
    case TmbMethod.MISSENSE_ONLY:
      return so.includes('missense_variant');
    case TmbMethod.CODING_NON_SILENT:
      return so.some((t) => NON_SILENT.test(t));
    case TmbMethod.CODING_AND_SILENT:
      return so.some((t) => NON_SILENT.test(t) || SILENT.test(t));
  }
}

/** Whether the consequence changes the protein (the variants that make a gene "mutated" for models). */
export function isProteinAltering(terms: readonly string[]): boolean {
  return countsForTmb(terms, TmbMethod.CODING_NON_SILENT) || terms.some((t) => toSoTerm(t) === 'transcript_ablation');
}
