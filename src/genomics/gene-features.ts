/**
 * Gene-level genomic features for models: per panel gene, whether the tumour carries a
 * protein-altering call (and which hotspot), plus TMB. A versioned contract with feature schemas.
 */
import { isProteinAltering } from './consequences.ts';
import type { CallSetRow, StoredVariant } from './variant-store.ts';

export const GENOMIC_FEATURES_VERSION = 'genomic-features-1';

/** The panel the models see: the genes of the mission's biomarker panel and their common partners. */
export const FEATURE_GENES = ['EGFR', 'KRAS', 'NRAS', 'BRAF', 'PIK3CA', 'TP53', 'ERBB2', 'ALK', 'MET', 'APC', 'SMAD4', 'PTEN', 'BRCA1', 'BRCA2', 'STK11', 'KEAP1'] as const;

export interface GeneFeatures {
  version: string;
  sequenced: boolean;
  genes: Record<(typeof FEATURE_GENES)[number], { mutated: boolean; hotspots: string[] }>;
  tmb: number | null;
}

/** Features from a patient's stored call sets and variants (all specimens together). */
export function geneFeatures(callSets: readonly CallSetRow[], variants: readonly StoredVariant[]): GeneFeatures {
  const genes = Object.fromEntries(FEATURE_GENES.map((g) => [g, { mutated: false, hotspots: [] as string[] }])) as GeneFeatures['genes'];
  for (const v of variants) {
    const entry = v.gene ? genes[v.gene as (typeof FEATURE_GENES)[number]] : undefined;
    if (!entry) continue;
    if (v.hotspot || (v.consequence && isProteinAltering([v.consequence]))) entry.mutated = true;
    if (v.hotspot && !entry.hotspots.includes(v.hotspot)) entry.hotspots.push(v.hotspot);
  }
  const withTmb = callSets.find((c) => c.tmb !== null);
  return { version: GENOMIC_FEATURES_VERSION, sequenced: callSets.length > 0, genes, tmb: withTmb?.tmb?.value ?? null };
}
