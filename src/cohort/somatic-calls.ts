import { GRCH38_CONTIGS, HOTSPOTS, PASSENGER_GENES, type HotspotKey } from './hotspots.ts';
import type { PatientBiology } from './patient.ts';
import type { Rng } from '../random/rng.ts';

/** One somatic call with its annotation, before it is written as CSQ or ANN. */
export interface SomaticCall {
  chrom: string;
  pos: number;
  ref: string;
  alt: string;
  gene: string;
  /** Sequence Ontology term as VEP writes it */
  consequence: string;
  /** the term snpEff uses for the same effect */
  snpEffConsequence: string;
  impact: 'HIGH' | 'MODERATE' | 'LOW' | 'MODIFIER';
  hgvsc: string;
  hgvsp: string;
  hotspot?: HotspotKey;
  filter: 'PASS' | 'LowQual' | 'germline_risk';
  depth: number;
  altCount: number;
  normalDepth: number;
}

/** Effective coding target size used for TMB (PCGR's default for WES). */
export const TMB_TARGET_MB = 34;

/** Consequences that count for TMB under PCGR's `coding_and_silent` method. */
export const CODING_CONSEQUENCES: ReadonlySet<string> = new Set([
  'missense_variant', 'synonymous_variant', 'stop_gained', 'frameshift_variant', 'inframe_deletion', 'splice_donor_variant',
]);

interface PassengerKind {
  consequence: string;
  snpEff: string;
  impact: SomaticCall['impact'];
  weight: number;
  msiWeight: number;
}

const PASSENGER_KINDS: PassengerKind[] = [
  { consequence: 'missense_variant', snpEff: 'missense_variant', impact: 'MODERATE', weight: 0.55, msiWeight: 0.42 },
  { consequence: 'synonymous_variant', snpEff: 'synonymous_variant', impact: 'LOW', weight: 0.22, msiWeight: 0.16 },
  { consequence: 'stop_gained', snpEff: 'stop_gained', impact: 'HIGH', weight: 0.05, msiWeight: 0.04 },
  { consequence: 'frameshift_variant', snpEff: 'frameshift_variant', impact: 'HIGH', weight: 0.03, msiWeight: 0.2 },
  { consequence: 'splice_donor_variant', snpEff: 'splice_donor_variant&intron_variant', impact: 'HIGH', weight: 0.02, msiWeight: 0.02 },
  { consequence: 'intron_variant', snpEff: 'intron_variant', impact: 'MODIFIER', weight: 0.09, msiWeight: 0.1 },
  { consequence: '3_prime_UTR_variant', snpEff: '3_prime_UTR_variant', impact: 'MODIFIER', weight: 0.04, msiWeight: 0.06 },
];

const AMINO = ['Ala', 'Arg', 'Asn', 'Asp', 'Cys', 'Gln', 'Glu', 'Gly', 'His', 'Ile', 'Leu', 'Lys', 'Met', 'Phe', 'Pro', 'Ser', 'Thr', 'Trp', 'Tyr', 'Val'];
const BASES = ['A', 'C', 'G', 'T'];
const CONTIG_RANK = new Map(GRCH38_CONTIGS.map(([name], i) => [name, i]));

function otherBase(ref: string, rng: Rng): string {
  return rng.choice(BASES.filter((b) => b !== ref));
}

function passenger(kind: PassengerKind, rng: Rng): Omit<SomaticCall, 'filter' | 'depth' | 'altCount' | 'normalDepth'> {
  const g = rng.choice(PASSENGER_GENES);
  const pos = rng.int(g.start, g.end);
  const cds = rng.int(30, 9000);
  const codon = Math.ceil(cds / 3);
  const aa = rng.choice(AMINO);
  const ref = rng.choice(BASES);
  const base = { chrom: g.chrom, pos, gene: g.gene, consequence: kind.consequence, snpEffConsequence: kind.snpEff, impact: kind.impact };
  switch (kind.consequence) {
    case 'frameshift_variant': {
      if (rng.bernoulli(0.6)) {
        const deleted = rng.choice(BASES);
        return { ...base, ref: ref + deleted, alt: ref, hgvsc: `c.${cds + 1}del`, hgvsp: `p.${aa}${codon}fs` };
      }
      const inserted = rng.choice(BASES);
      return { ...base, ref, alt: ref + inserted, hgvsc: `c.${cds}_${cds + 1}ins${inserted}`, hgvsp: `p.${aa}${codon}fs` };
    }
    case 'missense_variant': {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.${cds}${ref}>${alt}`, hgvsp: `p.${aa}${codon}${rng.choice(AMINO.filter((a) => a !== aa))}` };
    }
    case 'synonymous_variant': {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.${cds}${ref}>${alt}`, hgvsp: `p.${aa}${codon}=` };
    }
    case 'stop_gained': {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.${cds}${ref}>${alt}`, hgvsp: `p.${aa}${codon}Ter` };
    }
    case 'splice_donor_variant': {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.${cds}+${rng.int(1, 2)}${ref}>${alt}`, hgvsp: '' };
    }
    case 'intron_variant': {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.${cds}+${rng.int(20, 900)}${ref}>${alt}`, hgvsp: '' };
    }
    default: {
      const alt = otherBase(ref, rng);
      return { ...base, ref, alt, hgvsc: `c.*${rng.int(5, 900)}${ref}>${alt}`, hgvsp: '' };
    }
  }
}

function reads(vaf: number, rng: Rng): { depth: number; altCount: number; normalDepth: number } {
  const depth = Math.max(30, rng.poisson(160));
  const altCount = Math.max(4, rng.binomial(depth, vaf));
  return { depth, altCount: Math.min(altCount, depth), normalDepth: Math.max(20, rng.poisson(90)) };
}

/**
 * The somatic calls of one sequenced tumour: its true hotspots at clonal allele fractions, then
 * passengers (some subclonal) whose number follows the tumour's TMB, then a few calls the
 * caller's filters rejected. Sorted in reference order.
 */
export function somaticCalls(p: PatientBiology, rng: Rng): SomaticCall[] {
  const calls: SomaticCall[] = [];
  const clonal = p.purity / 2;
  for (const key of p.hotspots) {
    const h = HOTSPOTS[key];
    calls.push({
      chrom: h.chrom, pos: h.pos, ref: h.ref, alt: h.alt, gene: h.gene, consequence: h.consequence, snpEffConsequence: h.snpEffConsequence,
      impact: h.impact, hgvsc: h.hgvsc, hgvsp: h.hgvsp, hotspot: key, filter: 'PASS', ...reads(clonal * rng.uniform(0.85, 1.1), rng),
    });
  }
  const weights = PASSENGER_KINDS.map((k) => (p.msiH ? k.msiWeight : k.weight));
  const codingShare = PASSENGER_KINDS.reduce((a, k, i) => a + (CODING_CONSEQUENCES.has(k.consequence) ? (weights[i] as number) : 0), 0);
  const total = rng.poisson((p.tmbTarget * TMB_TARGET_MB) / codingShare);
  const taken = new Set(calls.map((c) => `${c.chrom}:${c.pos}`));
  for (let i = 0; i < total; i++) {
    const kind = PASSENGER_KINDS[rng.weightedIndex(weights)] as PassengerKind;
    const call = passenger(kind, rng);
    const key = `${call.chrom}:${call.pos}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const vaf = clonal * (rng.bernoulli(0.7) ? rng.uniform(0.8, 1.1) : rng.uniform(0.15, 0.6));
    calls.push({ ...call, filter: 'PASS', ...reads(vaf, rng) });
  }
  const rejected = rng.poisson(Math.max(2, total * 0.04));
  for (let i = 0; i < rejected; i++) {
    const call = passenger(PASSENGER_KINDS[0] as PassengerKind, rng);
    const key = `${call.chrom}:${call.pos}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const germline = rng.bernoulli(0.4);
    calls.push({ ...call, filter: germline ? 'germline_risk' : 'LowQual', ...reads(germline ? 0.5 : 0.03, rng) });
  }
  return calls.sort((a, b) => (CONTIG_RANK.get(a.chrom) ?? 99) - (CONTIG_RANK.get(b.chrom) ?? 99) || a.pos - b.pos);
}

/** TMB the PCGR way (`coding_and_silent`): PASS coding calls, synonymous included, per Mb of target. */
export function tmbOf(calls: readonly SomaticCall[]): { count: number; perMb: number } {
  const count = calls.filter((c) => c.filter === 'PASS' && CODING_CONSEQUENCES.has(c.consequence)).length;
  return { count, perMb: count / TMB_TARGET_MB };
}
