import type { CancerType } from './profiles.ts';
import type { RegimenId } from './therapies.ts';

/**
 * The documented rules that turn a synthetic patient into outcomes. They are written to
 * truth.json with every cohort, so an evaluation can compare what a model learned with what was
 * planted. The numbers are chosen to be plausible, not taken from trials.
 */

/** What the response rule looks at: the patient's true biology, not what the clinician knew. */
export interface ResponseInputs {
  cancer: CancerType;
  stage: number;
  ecog: number;
  egfr: boolean;
  krasG12C: boolean;
  kras: boolean;
  brafV600E: boolean;
  msiH: boolean;
  hormoneReceptorPositive: boolean;
  her2Positive: boolean;
}

export const RESPONSE_MODEL = {
  description:
    'logit P(response) = base[regimen] + biomarker term + stage × (stage − 2) + ecog × ECOG; the biomarker term rewards a therapy that targets one of the patient\'s true alterations and penalises known resistance (anti-EGFR antibodies in KRAS- or BRAF-mutant colorectal cancer)',
  stage: -0.3,
  ecog: -0.35,
  base: {
    'carboplatin-pemetrexed': -0.4,
    docetaxel: -0.9,
    osimertinib: -2.6,
    sotorasib: -3.0,
    pembrolizumab: -2.0,
    folfox: -0.3,
    'folfiri-cetuximab': -0.2,
    'folfiri-bevacizumab': -0.5,
    'encorafenib-cetuximab': -2.2,
    'doxorubicin-paclitaxel': -0.1,
    'trastuzumab-paclitaxel': -0.5,
    letrozole: -2.8,
    'letrozole-palbociclib': -2.6,
  } satisfies Record<RegimenId, number>,
  /** added to base when the condition holds */
  biomarker: {
    osimertinib: { when: 'EGFR activating mutation', add: 4.2 },
    sotorasib: { when: 'KRAS G12C', add: 3.1 },
    pembrolizumab: { when: 'MSI-H', add: 3.0 },
    'encorafenib-cetuximab': { when: 'BRAF V600E', add: 2.0 },
    'trastuzumab-paclitaxel': { when: 'HER2 positive', add: 1.8 },
    letrozole: { when: 'hormone receptor positive', add: 3.6 },
    'letrozole-palbociclib': { when: 'hormone receptor positive', add: 3.8 },
    'folfiri-cetuximab': { when: 'KRAS or BRAF V600E mutant (resistance)', add: -1.8 },
  },
} as const;

type BiomarkerRegimen = keyof typeof RESPONSE_MODEL.biomarker;

function biomarkerHolds(id: BiomarkerRegimen, p: ResponseInputs): boolean {
  switch (id) {
    case 'osimertinib':
      return p.egfr;
    case 'sotorasib':
      return p.krasG12C;
    case 'pembrolizumab':
      return p.msiH;
    case 'encorafenib-cetuximab':
      return p.brafV600E;
    case 'trastuzumab-paclitaxel':
      return p.her2Positive;
    case 'letrozole':
    case 'letrozole-palbociclib':
      return p.hormoneReceptorPositive;
    case 'folfiri-cetuximab':
      return p.kras || p.brafV600E;
  }
}

/** The true probability that this patient responds to this regimen. */
export function responseProbability(id: RegimenId, p: ResponseInputs): number {
  let logit = RESPONSE_MODEL.base[id] + RESPONSE_MODEL.stage * (p.stage - 2) + RESPONSE_MODEL.ecog * p.ecog;
  if (id in RESPONSE_MODEL.biomarker && biomarkerHolds(id as BiomarkerRegimen, p)) {
    logit += RESPONSE_MODEL.biomarker[id as BiomarkerRegimen].add;
  }
  return 1 / (1 + Math.exp(-logit));
}

/**
 * Overall survival from diagnosis follows a Cox model with a Weibull baseline:
 * S(t | x) = exp(−(t / scale)^shape · exp(β·x)). Every covariate can be read back from the
 * patient's FHIR record, so a Cox fit on imported data can recover β.
 */
export const SURVIVAL_MODEL = {
  description: 'Cox proportional hazards, Weibull baseline S0(t) = exp(-(t/scaleDays)^shape), time from diagnosis in days',
  baseline: { shape: 1.1, scaleDays: 24 * 365.25 },
  coefficients: {
    /** (age at diagnosis − 60) / 10 */
    ageDecades: 0.15,
    /** stage group 1-4 (I-IV) */
    stage: 0.55,
    /** ECOG 0-3 */
    ecog: 0.35,
    /** lung cancer, against breast */
    lung: 0.6,
    /** colorectal cancer, against breast */
    colorectal: 0.2,
    /** triple-negative breast cancer */
    tripleNegative: 0.5,
    /** first-line therapy chosen for a biomarker (targeted, endocrine, anti-HER2, immunotherapy for MSI-H) */
    biomarkerDirectedFirstLine: -0.5,
  },
} as const;

export type SurvivalCovariates = Record<keyof typeof SURVIVAL_MODEL.coefficients, number>;

export function linearPredictor(x: SurvivalCovariates): number {
  let lp = 0;
  for (const [name, beta] of Object.entries(SURVIVAL_MODEL.coefficients)) lp += beta * x[name as keyof SurvivalCovariates];
  return lp;
}

/** Inverse of S(t | x) at a uniform draw u ∈ (0, 1): a survival time in days. */
export function survivalTimeDays(lp: number, u: number): number {
  const { shape, scaleDays } = SURVIVAL_MODEL.baseline;
  return scaleDays * Math.pow(-Math.log(u) / Math.exp(lp), 1 / shape);
}

/**
 * How hidden mutation status shows in the tiles (patient-level latent shifts, in standard
 * deviations of the patient-to-patient spread). Weak and noisy on purpose: a slide-level model
 * should reach an AUC around 0.85, not 1. Lymphocytic infiltration is also focal, as in MSI-H
 * colorectal cancer, where TIL-rich regions and Crohn-like reactions sit beside ordinary tumour:
 * a share of tiles ("hot" tiles) carries a large extra shift, which averaging over the slide dilutes.
 */
export const TILE_SIGNAL = {
  description:
    'per-patient morphology latents ~ N(shift × status, 1); tiles scatter around them with tile-level noise; a share of tiles (hotShare) gets hotShift more lymphocytes',
  tilDensity: {
    MSI_H: 0.3,
    hotShare: { MSI_H: 0.3, otherwise: 0.04 },
    hotShift: 4,
    note: 'tumour-infiltrating lymphocytes: more small, dense, round nuclei, partly in focal TIL-rich tiles',
  },
  glandLumen: { EGFR: 1.4, note: 'more acinar/lepidic lumens (white space) in EGFR-mutant lung adenocarcinoma' },
  nuclearSize: { KRAS: 1.3, note: 'larger, paler tumour nuclei' },
  mucin: { BRAF_V600E: 1.6, note: 'pale blue-grey extracellular mucin pools' },
  tileNoiseSd: 0.6,
} as const;
