import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Site profiles: how one hospital's patients differ from another's. They are configuration
 * (`cohort/profiles/*.json`), each prevalence figure with the public source it was checked against.
 */

export const CANCER_TYPES = ['lung', 'colorectal', 'breast'] as const;
export type CancerType = (typeof CANCER_TYPES)[number];

const probability = z.number().min(0).max(1);
const sourced = z.object({ value: probability, source: z.string().min(1), checked: z.boolean() });
const perCancer = <T extends z.ZodType>(t: T) => z.object({ lung: t, colorectal: t, breast: t });
const stageMix = z.tuple([probability, probability, probability, probability]);
const odVector = z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]);

export const siteProfileSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,30}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  country: z.string().length(2),
  /** patients at this site = round(patients-per-site × sizeFactor) */
  sizeFactor: z.number().positive().max(10),
  /** a population-group code written on every Patient (sites outside the US) */
  population: z.object({ system: z.string(), code: z.string(), display: z.string() }).passthrough().optional(),
  /** write US Core race and ethnicity extensions */
  usCore: z.boolean(),
  race: z
    .object({ weights: z.record(z.string(), z.number().nonnegative()), hispanic: probability, source: z.string(), checked: z.boolean() })
    .optional(),
  cancerMix: z.object({ weights: perCancer(z.number().nonnegative()), source: z.string(), checked: z.boolean() }),
  femaleFraction: perCancer(probability),
  ageAtDiagnosis: perCancer(z.object({ mean: z.number().min(18).max(95), sd: z.number().positive() })).extend({
    source: z.string(),
    checked: z.boolean(),
  }),
  stageMix: perCancer(stageMix).extend({ source: z.string(), checked: z.boolean() }),
  /** P(ECOG = 0, 1, 2, 3) */
  ecog: z.tuple([probability, probability, probability, probability]),
  sequencedFraction: sourced,
  msiTestedFraction: sourced,
  /** fraction of patients whose record lacks the item */
  missing: z.object({ ecog: probability, stage: probability, receptors: probability, race: probability }),
  prevalence: z.object({
    lung: z.object({ EGFR: sourced, KRAS: sourced, BRAF_V600E: sourced, MSI_H: sourced }),
    colorectal: z.object({ KRAS: sourced, BRAF_V600E: sourced, MSI_H: sourced }),
    breast: z.object({
      HR_POS_HER2_NEG: sourced,
      HR_POS_HER2_POS: sourced,
      HR_NEG_HER2_POS: sourced,
      TNBC: sourced,
      PIK3CA_IN_HR_POS: sourced,
    }),
  }),
  /** how the site's pipeline annotates VCFs: Ensembl VEP (`CSQ`) or snpEff (`ANN`) */
  annotation: z.enum(['CSQ', 'ANN']),
  /** stain optical-density vectors (R, G, B) and strengths: each scanner and protocol has its own */
  stain: z.object({
    hematoxylin: odVector,
    eosin: odVector,
    hematoxylinStrength: z.number().positive().max(3),
    eosinStrength: z.number().positive().max(3),
    background: z.number().min(0.5).max(1),
  }),
  diagnosisYears: z.tuple([z.number().int().min(1990), z.number().int().max(2100)]),
  followUpEnd: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  lossToFollowUpPerYear: z.number().min(0).max(2),
});

export type SiteProfile = z.infer<typeof siteProfileSchema>;

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Checks a profile and the sums that must hold (lung drivers ≤ 1, breast subtypes = 1, ...). */
export function parseProfile(raw: unknown, where: string): SiteProfile {
  const parsed = siteProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ProfileError(`${where}: ${first?.path.join('.') || '(root)'}: ${first?.message}`);
  }
  const p = parsed.data;
  const lung = p.prevalence.lung;
  if (lung.EGFR.value + lung.KRAS.value + lung.BRAF_V600E.value > 1) throw new ProfileError(`${where}: lung EGFR + KRAS + BRAF_V600E exceed 1`);
  const crc = p.prevalence.colorectal;
  if (crc.KRAS.value + crc.BRAF_V600E.value > 1) throw new ProfileError(`${where}: colorectal KRAS + BRAF_V600E exceed 1`);
  const b = p.prevalence.breast;
  const subtypes = b.HR_POS_HER2_NEG.value + b.HR_POS_HER2_POS.value + b.HR_NEG_HER2_POS.value + b.TNBC.value;
  if (Math.abs(subtypes - 1) > 1e-6) throw new ProfileError(`${where}: breast subtypes sum to ${subtypes.toFixed(4)}, not 1`);
  for (const type of CANCER_TYPES) {
    const sum = p.stageMix[type].reduce((a, x) => a + x, 0);
    if (Math.abs(sum - 1) > 1e-6) throw new ProfileError(`${where}: stageMix.${type} sums to ${sum.toFixed(4)}, not 1`);
  }
  if (Math.abs(p.ecog.reduce((a, x) => a + x, 0) - 1) > 1e-6) throw new ProfileError(`${where}: ecog does not sum to 1`);
  if (p.usCore && !p.race) throw new ProfileError(`${where}: usCore profiles need race weights`);
  if (!p.usCore && !p.population) throw new ProfileError(`${where}: profiles outside the US need a population code`);
  return p;
}

export const BUILT_IN_PROFILE_DIR = fileURLToPath(new URL('../../cohort/profiles/', import.meta.url));

/** Reads one profile file. */
export function loadProfileFile(path: string): SiteProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ProfileError(`${path}: ${(err as Error).message}`);
  }
  return parseProfile(raw, path);
}

/** The built-in profiles, in a fixed order: the Indian centres first. */
export function builtInProfiles(): SiteProfile[] {
  const order = ['in-west', 'in-south', 'us-northeast', 'eu-west'];
  const files = readdirSync(BUILT_IN_PROFILE_DIR).filter((f) => f.endsWith('.json'));
  const profiles = files.map((f) => loadProfileFile(join(BUILT_IN_PROFILE_DIR, f)));
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return profiles.sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id));
}

/**
 * `count` site profiles: the given ones in order, repeated with a numeric suffix when more sites
 * are asked for than there are profiles.
 */
export function profilesForSites(count: number, available: readonly SiteProfile[]): SiteProfile[] {
  if (available.length === 0) throw new ProfileError('no site profiles');
  const out: SiteProfile[] = [];
  for (let i = 0; i < count; i++) {
    const base = available[i % available.length] as SiteProfile;
    const round = Math.floor(i / available.length);
    out.push(round === 0 ? base : { ...base, id: `${base.id}-${round + 1}`, name: `${base.name} #${round + 1}` });
  }
  return out;
}
