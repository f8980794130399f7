/**
 * What a CIViC variant name asks of a patient's variant calls. CIViC names variants by protein
 * change (`L858R`), codon (`V600`), exon (`Exon 19 Deletion`), gene-level category (`Mutation`) or
 * by alterations a small-variant VCF cannot show (`Amplification`, `Fusion`, `Expression`); see
 * https://civic.readthedocs.io/en/latest/model/variants.html. The name is classified once, when
 * the knowledge base loads.
 */

/** Alterations a VCF of SNVs and small indels cannot show or rule out. */
export type NotAssessableCategory =
  | 'amplification'
  | 'fusion or rearrangement'
  | 'expression'
  | 'copy-number loss or large deletion'
  | 'methylation'
  | 'protein state'
  | 'signature'
  | 'germline genotype'
  | 'other';

export type VariantRule =
  /** one of these protein changes, in CIViC's short form upper-cased (`L858R`, `E746_A750DEL`) */
  | { kind: 'protein'; changes: readonly string[] }
  /** a frameshift starting at this residue, whatever it becomes (`K468FS`, `P1175FS*5`) */
  | { kind: 'frameshift'; ref: string; position: number }
  /** any protein change starting at one of these codons (`V600`, `G12/G13`) */
  | { kind: 'codon'; codons: readonly { ref: string; position: number }[] }
  /** this coding DNA change (`c.1641+1dup`), transcript aside */
  | { kind: 'coding'; hgvsc: string }
  /** any protein-altering variant in the gene (`Mutation`); `negated` for `Wildtype` */
  | { kind: 'gene'; negated: boolean }
  /** an in-frame deletion or insertion, or any protein-altering change or a frameshift, in one of these exons */
  | { kind: 'exon'; exons: readonly number[]; change: 'deletion' | 'insertion' | 'any' | 'frameshift' }
  /** a variant making the transcript skip this exon (`Exon 14 Skipping Mutation`): splicing the VCF can only hint at */
  | { kind: 'exonSkipping'; exon: number }
  /** a truncating variant shows it; a copy-number loss (invisible here) may also be the cause */
  | { kind: 'lossOfFunction' }
  /** a consequence the VCF shows directly (`Frameshift`) */
  | { kind: 'consequence'; terms: readonly string[] }
  /** a functional or regional class (`Activating Mutation`, `Kinase Domain Mutation`): a protein-altering variant may be one */
  | { kind: 'functional'; label: string }
  | { kind: 'notAssessable'; category: NotAssessableCategory };

const NOT_ASSESSABLE: readonly [RegExp, NotAssessableCategory][] = [
  // before fusions, so a protein's nuclear translocation is not read as a gene rearrangement
  [/phosphorylation|mislocali[sz]ation|nuclear translocation|serum levels/i, 'protein state'],
  [/\bfusion\b|^e\d+::e\d+$|translocation|rearrangement|^(egfr)?viii$|alternative transcript|double ph/i, 'fusion or rearrangement'],
  [/amplification/i, 'amplification'],
  [/expression|^ar-v\d+$/i, 'expression'],
  [/methylation/i, 'methylation'],
  [/^loss$|^deletion$|loss of heterozygosity|^loh$|^exon \d+-\d+ deletion$|biallelic inactivation/i, 'copy-number loss or large deletion'],
  [/^rs\d+$|\*\d+[a-z]?\b|homozygosity|genotype|polymorphism/i, 'germline genotype'],
  [/^itd$|internal duplication/i, 'other'],
];

const SIGNATURE_GENES = new Set(['TMB', 'MSI']);
const AA = '[ACDEFGHIKLMNPQRSTVWY]';
const SUBSTITUTION = new RegExp(`^(${AA})(\\d+)((?:${AA}|\\*)(?:/(?:${AA}|\\*))*)$`);
const CODONS = new RegExp(`^${AA}\\d+(?:/${AA}\\d+)*$`);
const FRAMESHIFT = new RegExp(`^(${AA})(\\d+)FS(\\*\\d+)?$`);
const INDEL = new RegExp(`^${AA}\\d+(_${AA}\\d+)?(DEL|INS|DUP|DELINS|>)${AA}*$`);

/**
 * CIViC's indel names in the HGVS short form VEP's HGVSp shortens to: residues after `del`/`dup`
 * dropped (`A767_V769DUPASV` → `A767_V769DUP`) and `>` written as `delins` (`E746_T751>I` →
 * `E746_T751DELINSI`, https://hgvs-nomenclature.org/stable/recommendations/protein/delins/).
 */
export function normaliseProteinName(name: string): string {
  const up = name.toUpperCase().replace(/^P\./, '');
  if (up.includes('>')) return up.replace('>', 'DELINS');
  return up.replace(/(DEL|DUP)[A-Z]+$/, (m, op: string) => (m.startsWith('DELINS') ? m : op));
}

/** The rule for one CIViC variant name of `gene`. */
export function classifyVariant(gene: string, rawName: string): VariantRule {
  // a trailing coding change in parentheses restates the protein change (`R200W (c.598C>T)`)
  const coding = /^(.*?)\s*\((c\.[^)]+)\)$/.exec(rawName.trim());
  const name = (coding?.[1] ?? rawName).trim();
  if (coding && /^splice site$/i.test(name)) return { kind: 'coding', hgvsc: coding[2] as string };
  if (gene.includes('::') || SIGNATURE_GENES.has(gene.toUpperCase())) {
    return { kind: 'notAssessable', category: gene.includes('::') ? 'fusion or rearrangement' : 'signature' };
  }
  for (const [re, category] of NOT_ASSESSABLE) if (re.test(name)) return { kind: 'notAssessable', category };
  if (/^c\.\S+$/.test(name)) return { kind: 'coding', hgvsc: name };
  if (/^wild ?type$/i.test(name)) return { kind: 'gene', negated: true };
  if (/^mutations?$/i.test(name)) return { kind: 'gene', negated: false };
  if (/^(loss-of-function|inactivating mutation|deleterious mutation)$/i.test(name)) return { kind: 'lossOfFunction' };
  if (/^frameshift( truncation)?$/i.test(name)) return { kind: 'consequence', terms: ['frameshift_variant'] };

  const exon = /^exon (\d+) (deletion|del|insertion|mutation|frameshift|skipping mutation)$/i.exec(name);
  if (exon) {
    const n = Number(exon[1]);
    const what = (exon[2] as string).toLowerCase();
    if (what === 'skipping mutation') return { kind: 'exonSkipping', exon: n };
    const change = what.startsWith('del') ? 'deletion' : what === 'insertion' ? 'insertion' : what === 'frameshift' ? 'frameshift' : 'any';
    return { kind: 'exon', exons: [n], change };
  }

  const up = name.toUpperCase();
  if (CODONS.test(up)) {
    return { kind: 'codon', codons: up.split('/').map((c) => ({ ref: c[0] as string, position: Number(c.slice(1)) })) };
  }
  const sub = SUBSTITUTION.exec(up);
  if (sub) {
    const [, ref, pos, alts] = sub as unknown as [string, string, string, string];
    return { kind: 'protein', changes: alts.split('/').map((alt) => `${ref}${pos}${alt}`) };
  }
  const fs = FRAMESHIFT.exec(up);
  if (fs) return { kind: 'frameshift', ref: fs[1] as string, position: Number(fs[2]) };
  if (INDEL.test(up)) return { kind: 'protein', changes: [normaliseProteinName(up)] };
  if (/mutation|alteration|gain-of-function|frame ?shift|^non-[a-z]\d+$/i.test(name)) return { kind: 'functional', label: name };
  return { kind: 'notAssessable', category: 'other' };
}
