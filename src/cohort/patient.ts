import type { HotspotKey } from './hotspots.ts';
import { TILE_SIGNAL } from './outcome-model.ts';
import type { CancerType, SiteProfile } from './profiles.ts';
import type { Rng } from '../random/rng.ts';
import { stageRows, type StageRow } from './staging-tables.ts';

/** Day numbers (days since 1970-01-01, UTC) and ISO dates. */
export const dayOf = (iso: string): number => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
export const isoOf = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

export type BreastSubtype = 'HR_POS_HER2_NEG' | 'HR_POS_HER2_POS' | 'HR_NEG_HER2_POS' | 'TNBC';

/** The hidden biology of one synthetic patient, before treatment and outcomes. */
export interface PatientBiology {
  id: string;
  siteId: string;
  sex: 'female' | 'male';
  /** exact age at diagnosis in years */
  age: number;
  birthDate: string;
  diagnosisDate: string;
  cancer: CancerType;
  stage: 1 | 2 | 3 | 4;
  tnm: StageRow;
  ecog: 0 | 1 | 2 | 3;
  breast?: { subtype: BreastSubtype; er: boolean; pr: boolean; her2: boolean };
  /** true somatic driver and hotspot mutations */
  hotspots: HotspotKey[];
  msiH: boolean;
  /** tumour cell fraction of the sequenced specimen */
  purity: number;
  /** coding mutations per megabase the tumour truly carries (before sampling passengers) */
  tmbTarget: number;
  /** what the site measured and wrote down */
  sequenced: boolean;
  msiTested: boolean;
  recorded: { ecog: boolean; stage: boolean; receptors: boolean; race: boolean };
  race?: { code: string; display: string };
  hispanic?: boolean;
  /** patient-level morphology latents (standard-normal units), see TILE_SIGNAL */
  morphology: { tilDensity: number; glandLumen: number; nuclearSize: number; mucin: number; cellularity: number; tilHotShare: number };
}

const RACE_DISPLAY: Record<string, string> = {
  '2106-3': 'White',
  '2054-5': 'Black or African American',
  '2028-9': 'Asian',
  '2131-1': 'Other Race',
  '1002-5': 'American Indian or Alaska Native',
  '2076-8': 'Native Hawaiian or Other Pacific Islander',
};

const LUNG_KRAS: Record<string, number> = { KRAS_G12C: 0.42, KRAS_G12V: 0.22, KRAS_G12D: 0.18, KRAS_G13D: 0.18 };
const CRC_KRAS: Record<string, number> = { KRAS_G12D: 0.4, KRAS_G12V: 0.28, KRAS_G13D: 0.22, KRAS_G12C: 0.1 };

function pickRow(rows: readonly StageRow[], rng: Rng): StageRow {
  return rows[rng.weightedIndex(rows.map((r) => r.weight))] as StageRow;
}

/** TMB distributions by cancer (log-normal, mut/Mb); MSI-H tumours are hypermutated. */
function sampleTmb(cancer: CancerType, msiH: boolean, rng: Rng): number {
  if (msiH) return Math.exp(rng.normal(Math.log(40), 0.35));
  // median lung 5.8 (TCGA LUAD median 5.78 mut/Mb), colorectal and breast lower
  const median = cancer === 'lung' ? 5.8 : cancer === 'colorectal' ? 3.5 : 1.5;
  return Math.exp(rng.normal(Math.log(median), 0.6));
}

/** Draws one patient of `site`; `rng` must be that patient's own stream. */
export function samplePatient(profile: SiteProfile, id: string, rng: Rng): PatientBiology {
  const cancer = rng.pick(profile.cancerMix.weights);
  const sex: 'female' | 'male' = rng.bernoulli(profile.femaleFraction[cancer]) ? 'female' : 'male';
  const ageSpec = profile.ageAtDiagnosis[cancer];
  const age = rng.truncatedNormal(ageSpec.mean, ageSpec.sd, 20, 90);

  const [fromYear, toYear] = profile.diagnosisYears;
  const firstDay = dayOf(`${fromYear}-01-01`);
  const lastDay = Math.min(dayOf(`${toYear}-12-31`), dayOf(profile.followUpEnd) - 60);
  const dxDay = rng.int(firstDay, lastDay);
  const birthDay = dxDay - Math.round(age * 365.25);

  const stage = (rng.weightedIndex(profile.stageMix[cancer]) + 1) as 1 | 2 | 3 | 4;
  const tnm = pickRow(stageRows(cancer, stage), rng);
  const ecog = rng.weightedIndex(profile.ecog) as 0 | 1 | 2 | 3;

  const hotspots: HotspotKey[] = [];
  let msiH = false;
  let breast: PatientBiology['breast'];
  if (cancer === 'lung') {
    const prev = profile.prevalence.lung;
    msiH = rng.bernoulli(prev.MSI_H.value);
    const driver = rng.pick({ EGFR: prev.EGFR.value, KRAS: prev.KRAS.value, BRAF: prev.BRAF_V600E.value, none: 1 - prev.EGFR.value - prev.KRAS.value - prev.BRAF_V600E.value });
    if (driver === 'EGFR') hotspots.push(rng.bernoulli(0.55) ? 'EGFR_E746_A750del' : 'EGFR_L858R');
    else if (driver === 'KRAS') hotspots.push(rng.pick(LUNG_KRAS) as HotspotKey);
    else if (driver === 'BRAF') hotspots.push('BRAF_V600E');
    if (rng.bernoulli(0.45)) hotspots.push('TP53_R175H');
  } else if (cancer === 'colorectal') {
    const prev = profile.prevalence.colorectal;
    msiH = rng.bernoulli(prev.MSI_H.value);
    const driver = rng.pick({ KRAS: prev.KRAS.value, BRAF: prev.BRAF_V600E.value, none: 1 - prev.KRAS.value - prev.BRAF_V600E.value });
    if (driver === 'KRAS') hotspots.push(rng.pick(CRC_KRAS) as HotspotKey);
    else if (driver === 'BRAF') hotspots.push('BRAF_V600E');
    if (rng.bernoulli(0.5)) hotspots.push('TP53_R175H');
  } else {
    const prev = profile.prevalence.breast;
    const subtype = rng.pick({
      HR_POS_HER2_NEG: prev.HR_POS_HER2_NEG.value,
      HR_POS_HER2_POS: prev.HR_POS_HER2_POS.value,
      HR_NEG_HER2_POS: prev.HR_NEG_HER2_POS.value,
      TNBC: prev.TNBC.value,
    });
    const hr = subtype === 'HR_POS_HER2_NEG' || subtype === 'HR_POS_HER2_POS';
    const er = hr && rng.bernoulli(0.95);
    const pr = hr && (!er || rng.bernoulli(0.8));
    breast = { subtype, er, pr, her2: subtype === 'HR_POS_HER2_POS' || subtype === 'HR_NEG_HER2_POS' };
    if (hr && rng.bernoulli(prev.PIK3CA_IN_HR_POS.value)) hotspots.push('PIK3CA_H1047R');
    if (rng.bernoulli(subtype === 'TNBC' ? 0.8 : 0.25)) hotspots.push('TP53_R175H');
  }

  const egfr = hotspots.some((h) => h.startsWith('EGFR'));
  const kras = hotspots.some((h) => h.startsWith('KRAS'));
  const braf = hotspots.includes('BRAF_V600E');
  const tile = (shift: number) => rng.normal(shift, 1);
  const morphology = {
    tilDensity: tile(msiH ? TILE_SIGNAL.tilDensity.MSI_H : 0),
    glandLumen: tile(egfr ? TILE_SIGNAL.glandLumen.EGFR : 0),
    nuclearSize: tile(kras ? TILE_SIGNAL.nuclearSize.KRAS : 0),
    mucin: tile(braf ? TILE_SIGNAL.mucin.BRAF_V600E : 0),
    cellularity: rng.normal(0, 1),
    tilHotShare: msiH ? TILE_SIGNAL.tilDensity.hotShare.MSI_H : TILE_SIGNAL.tilDensity.hotShare.otherwise,
  };

  const patient: PatientBiology = {
    id,
    siteId: profile.id,
    sex,
    age,
    birthDate: isoOf(birthDay),
    diagnosisDate: isoOf(dxDay),
    cancer,
    stage,
    tnm,
    ecog,
    hotspots,
    msiH,
    purity: rng.uniform(0.3, 0.85),
    tmbTarget: sampleTmb(cancer, msiH, rng),
    sequenced: rng.bernoulli(profile.sequencedFraction.value),
    msiTested: cancer === 'colorectal' && rng.bernoulli(profile.msiTestedFraction.value),
    recorded: {
      ecog: !rng.bernoulli(profile.missing.ecog),
      stage: !rng.bernoulli(profile.missing.stage),
      receptors: !rng.bernoulli(profile.missing.receptors),
      race: !rng.bernoulli(profile.missing.race),
    },
    morphology,
    ...(breast ? { breast } : {}),
  };
  if (profile.usCore && profile.race) {
    const code = rng.pick(profile.race.weights);
    patient.race = { code, display: RACE_DISPLAY[code] ?? code };
    patient.hispanic = rng.bernoulli(profile.race.hispanic);
  }
  return patient;
}

/** Convenience flags over the hotspot list. */
export function biomarkers(p: PatientBiology) {
  const has = (prefix: string) => p.hotspots.some((h) => h.startsWith(prefix));
  return {
    egfr: has('EGFR'),
    kras: has('KRAS'),
    krasG12C: p.hotspots.includes('KRAS_G12C'),
    brafV600E: p.hotspots.includes('BRAF_V600E'),
    pik3ca: has('PIK3CA'),
    msiH: p.msiH,
    hormoneReceptorPositive: !!p.breast && (p.breast.er || p.breast.pr),
    her2Positive: !!p.breast?.her2,
  };
}

