/**
 * Synthetic projection rows for benchmarks and property tests, drawn with the cohort generator's
 * patient model (`samplePatient`: the site profiles' cancer mix, sex, age, stage, ECOG, receptors,
 * driver prevalences, MSI, TMB and missingness) without building FHIR records. `messy` adds the
 * gaps real records have: birth years alone, unannotated calls, variants reported without a
 * protein change.
 */
import { HOTSPOTS } from '../../cohort/hotspots.ts';
import { samplePatient } from '../../cohort/patient.ts';
import type { SiteProfile } from '../../cohort/profiles.ts';
import { Rng } from '../../random/rng.ts';
import { canonicalProteinChange } from '../eligibility/leaf-schemas.ts';
import type { FactVariant, PatientFacts } from './patient-facts.ts';

export interface SyntheticFactsOptions {
  seed: number;
  profiles: readonly SiteProfile[];
  count: number;
  /** add incomplete and unannotated data (property tests) */
  messy?: boolean;
}

const RACE_DISPLAY: Record<string, string> = {
  '2106-3': 'White',
  '2054-5': 'Black or African American',
  '2028-9': 'Asian',
  '2131-1': 'Other Race',
};

function hotspotVariants(keys: readonly (keyof typeof HOTSPOTS)[]): FactVariant[] {
  return keys.map((k) => {
    const h = HOTSPOTS[k];
    return { gene: h.gene, proteinChange: canonicalProteinChange(h.short) ?? null, exon: Number(h.exon.split('/')[0]), altering: true };
  });
}

/** `count` patients spread over the profiles in turn, ids `syn-<site>-<n>` (zero-padded, so they sort). */
export function syntheticFacts(options: SyntheticFactsOptions): { patientId: string; facts: PatientFacts }[] {
  const root = new Rng(options.seed, 'trial-features');
  const out: { patientId: string; facts: PatientFacts }[] = [];
  for (let i = 0; i < options.count; i++) {
    const profile = options.profiles[i % options.profiles.length] as SiteProfile;
    const patientId = `syn-${profile.id}-${String(i).padStart(7, '0')}`;
    const rng = root.fork(patientId);
    const b = samplePatient(profile, patientId, rng);
    const messy = options.messy === true;
    const variants = b.sequenced ? hotspotVariants(b.hotspots) : [];
    if (messy && b.sequenced && rng.bernoulli(0.3)) {
      // a call the annotator could not place, or a report that names the gene only
      variants.push({ gene: rng.choice(['EGFR', 'KRAS', 'PIK3CA', 'TP53']), proteinChange: rng.bernoulli(0.5) ? null : 'p.G12C', exon: rng.bernoulli(0.5) ? null : 2, altering: rng.bernoulli(0.5) ? null : rng.bernoulli(0.5) });
    }
    if (messy && !b.sequenced && rng.bernoulli(0.15)) variants.push({ gene: 'PIK3CA', proteinChange: null, exon: null, altering: true });
    const receptorsKnown = !!b.breast && b.recorded.receptors;
    const race = b.race && b.recorded.race ? (RACE_DISPLAY[b.race.code] ?? b.race.display) : null;
    const yearOnly = messy && rng.bernoulli(0.1);
    out.push({
      patientId,
      facts: {
        birthDate: messy && rng.bernoulli(0.03) ? null : yearOnly ? { earliest: `${b.birthDate.slice(0, 4)}-01-01`, latest: `${b.birthDate.slice(0, 4)}-12-31` } : { earliest: b.birthDate, latest: b.birthDate },
        deceased: rng.bernoulli(0.05),
        sex: messy && rng.bernoulli(0.03) ? null : b.sex,
        populationGroup: profile.population?.display ?? race,
        cancerType: messy && rng.bernoulli(0.03) ? null : b.cancer,
        cancerClass: 'solid',
        stageGroup: b.recorded.stage ? b.stage : null,
        ecog: b.recorded.ecog ? b.ecog : null,
        priorLines: messy && rng.bernoulli(0.2) ? null : rng.weightedIndex([0.3, 0.4, 0.2, 0.1]),
        er: receptorsKnown ? (b.breast?.er ? 'positive' : 'negative') : null,
        pr: receptorsKnown ? (b.breast?.pr ? 'positive' : 'negative') : null,
        her2: receptorsKnown ? (b.breast?.her2 ? 'positive' : 'negative') : null,
        msi: b.sequenced || b.msiTested ? (b.msiH ? 'MSI-H' : 'MSS') : null,
        tmb: b.sequenced ? Math.round(b.tmbTarget * 10) / 10 : null,
        sequenced: b.sequenced,
        variants,
      },
    });
  }
  return out;
}
