/**
 * Actionable hotspots at their VCF coordinates on both builds (1-based, left-aligned, deletions
 * with their anchor base), so that calls from unannotated VCFs are still recognised. Each row
 * names the public sources its coordinates were checked against; the GRCh37 → GRCh38 offsets
 * agree within each gene region (EGFR −67,693; KRAS −152,934; BRAF +300,200; PIK3CA +282,212;
 * TP53 +96,682), a second check.
 */
import type { GenomeBuild } from './genome-build.ts';

export interface Hotspot {
  key: string;
  gene: string;
  consequence: string;
  hgvsc: string;
  hgvsp: string;
  /** the short protein change knowledge bases key on */
  proteinChange: string;
  coordinates: Readonly<Record<GenomeBuild, { chrom: string; pos: number; ref: string; alt: string }>>;
  source: string;
}

const snv = (chrom: string, pos37: number, pos38: number, ref: string, alt: string) => ({
  GRCh37: { chrom, pos: pos37, ref, alt },
  GRCh38: { chrom, pos: pos38, ref, alt },
});

export const HOTSPOTS: readonly Hotspot[] = [
  {
    key: 'EGFR_L858R', gene: 'EGFR', consequence: 'missense_variant', hgvsc: 'c.2573T>G', hgvsp: 'p.Leu858Arg', proteinChange: 'p.L858R',
    coordinates: snv('7', 55259515, 55191822, 'T', 'G'),
    source: 'GRCh38: bbglab/deepCSA hotspot table, chr7 55191822 T>G; GRCh37: chr7:g.55259515T>G in public hotspot lists (COSMIC-derived, gene 1956)',
  },
  {
    key: 'EGFR_T790M', gene: 'EGFR', consequence: 'missense_variant', hgvsc: 'c.2369C>T', hgvsp: 'p.Thr790Met', proteinChange: 'p.T790M',
    coordinates: snv('7', 55249071, 55181378, 'C', 'T'),
    source: 'GA4GH VRS/metakb test fixture: NC_000007.14:g.55181378C>T and NC_000007.13:g.55249071C>T for NM_005228.4:c.2369C>T',
  },
  {
    key: 'EGFR_E746_A750del', gene: 'EGFR', consequence: 'inframe_deletion', hgvsc: 'c.2235_2249del', hgvsp: 'p.Glu746_Ala750del', proteinChange: 'p.E746_A750del',
    coordinates: {
      GRCh37: { chrom: '7', pos: 55242464, ref: 'AGGAATTAAGAGAAGC', alt: 'A' },
      GRCh38: { chrom: '7', pos: 55174771, ref: 'AGGAATTAAGAGAAGC', alt: 'A' },
    },
    source: 'GRCh38: VRS examples, deletion of GGAATTAAGAGAAGC at chr7:55174772 (anchor base at 55174771); GRCh37: MAF example Start_Position 55242464, AGGAATTAAGAGAAGC',
  },
  {
    key: 'KRAS_G12C', gene: 'KRAS', consequence: 'missense_variant', hgvsc: 'c.34G>T', hgvsp: 'p.Gly12Cys', proteinChange: 'p.G12C',
    coordinates: snv('12', 25398285, 25245351, 'C', 'A'),
    source: 'GRCh38: deepCSA hotspot table and OncoKB link 12:25245351; GRCh37: 25398285 in public hotspot kits (c.34G>T)',
  },
  {
    key: 'KRAS_G12D', gene: 'KRAS', consequence: 'missense_variant', hgvsc: 'c.35G>A', hgvsp: 'p.Gly12Asp', proteinChange: 'p.G12D',
    coordinates: snv('12', 25398284, 25245350, 'C', 'T'),
    source: 'GRCh38: deepCSA chr12 25245350 C>T; GRCh37: chr12:g.25398284C>T (KRAS G12D in COSMIC-derived hotspot list)',
  },
  {
    key: 'KRAS_G12V', gene: 'KRAS', consequence: 'missense_variant', hgvsc: 'c.35G>T', hgvsp: 'p.Gly12Val', proteinChange: 'p.G12V',
    coordinates: snv('12', 25398284, 25245350, 'C', 'A'),
    source: 'GRCh38: deepCSA chr12 25245350 C>A; GRCh37: same codon position 25398284, C>A',
  },
  {
    key: 'KRAS_G13D', gene: 'KRAS', consequence: 'missense_variant', hgvsc: 'c.38G>A', hgvsp: 'p.Gly13Asp', proteinChange: 'p.G13D',
    coordinates: snv('12', 25398281, 25245347, 'C', 'T'),
    source: 'GRCh38: COSMIC-derived KRAS table 12:25245347 C>T; GRCh37: chr12:g.25398281C>T',
  },
  {
    key: 'BRAF_V600E', gene: 'BRAF', consequence: 'missense_variant', hgvsc: 'c.1799T>A', hgvsp: 'p.Val600Glu', proteinChange: 'p.V600E',
    coordinates: snv('7', 140453136, 140753336, 'A', 'T'),
    source: 'GRCh38: anyvar docs NC_000007.14:g.140753336A>T; GRCh37: civicpy coordinate test (7, 140453136) and COSM476 chr7:140453136 A>T',
  },
  {
    key: 'PIK3CA_E542K', gene: 'PIK3CA', consequence: 'missense_variant', hgvsc: 'c.1624G>A', hgvsp: 'p.Glu542Lys', proteinChange: 'p.E542K',
    coordinates: snv('3', 178936082, 179218294, 'G', 'A'),
    source: 'GRCh38: PIK3CA hotspot position lists 179218294; GRCh37: chr3:g.178936082G>A (PIK3CA E542K, gene 5290)',
  },
  {
    key: 'PIK3CA_E545K', gene: 'PIK3CA', consequence: 'missense_variant', hgvsc: 'c.1633G>A', hgvsp: 'p.Glu545Lys', proteinChange: 'p.E545K',
    coordinates: snv('3', 178936091, 179218303, 'G', 'A'),
    source: 'GRCh38: 3:g.179218303G>A (BEstimate PIK3CA example; ClinVar PositionVCF 179218303); GRCh37: chr3:g.178936091G>A',
  },
  {
    key: 'PIK3CA_H1047R', gene: 'PIK3CA', consequence: 'missense_variant', hgvsc: 'c.3140A>G', hgvsp: 'p.His1047Arg', proteinChange: 'p.H1047R',
    coordinates: snv('3', 178952085, 179234297, 'A', 'G'),
    source: 'GRCh38: NCI GDC example chr3:g.179234297A>G; GRCh37: COSM775 chr3:178952085 A>G',
  },
  {
    key: 'TP53_R175H', gene: 'TP53', consequence: 'missense_variant', hgvsc: 'c.524G>A', hgvsp: 'p.Arg175His', proteinChange: 'p.R175H',
    coordinates: snv('17', 7578406, 7675088, 'C', 'T'),
    source: 'GRCh38: transcript-choice test table chr17:7675088 C>T; GRCh37: TCGA MAF row TP53 R175H 17:7578406 C>T',
  },
];

const INDEX = new Map<string, Hotspot>();
for (const h of HOTSPOTS) {
  for (const build of ['GRCh37', 'GRCh38'] as const) {
    const c = h.coordinates[build];
    INDEX.set(`${build}:${c.chrom}:${c.pos}:${c.ref}:${c.alt}`, h);
  }
}

/** The hotspot a normalised call is, if any. */
export function findHotspot(build: GenomeBuild, chrom: string, pos: number, ref: string, alt: string): Hotspot | undefined {
  return INDEX.get(`${build}:${chrom}:${pos}:${ref}:${alt}`);
}
