/**
 * What trial matching knows about a patient: the clinical summary (mCODE mapping) and the stored
 * variant calls, reduced to the values criteria ask about. `null` means the record does not say,
 * and every criterion on it is UNKNOWN. The same facts feed the in-memory evaluator and the SQL
 * projection (`trial_patient_features`), so both give the same answers.
 */
import type { ClinicalSummary, TumorMarker } from '../../clinical/mcode/types.ts';
import { isProteinAltering } from '../../genomics/consequences.ts';
import type { StoredVariant } from '../../genomics/variant-store.ts';
import { cancerClassOf } from '../eligibility/cancer-types.ts';
import { canonicalProteinChange } from '../eligibility/leaf-schemas.ts';
import type { CancerClass, MsiStatus, ReceptorStatus } from '../eligibility/types.ts';

export interface FactVariant {
  gene: string;
  proteinChange: string | null;
  exon: number | null;
  /** whether it changes the protein; null when the call carries no consequence */
  altering: boolean | null;
}

export interface PatientFacts {
  /** the birth date as a range of ISO dates: FHIR allows a year or a month alone */
  birthDate: { earliest: string; latest: string } | null;
  deceased: boolean;
  sex: 'female' | 'male' | 'other' | null;
  /** one label for the representation breakdown (never used as a criterion) */
  populationGroup: string | null;
  cancerType: string | null;
  cancerClass: CancerClass | null;
  /** main AJCC stage group 0-4 */
  stageGroup: number | null;
  ecog: number | null;
  /** the highest line of therapy recorded on a cancer medication */
  priorLines: number | null;
  er: ReceptorStatus | null;
  pr: ReceptorStatus | null;
  her2: ReceptorStatus | null;
  msi: MsiStatus | null;
  tmb: number | null;
  /** a VCF call set is stored: a gene without a call is taken as not mutated */
  sequenced: boolean;
  variants: FactVariant[];
}

/** The part of a stored call trial matching reads. */
export type VariantCall = Pick<StoredVariant, 'gene' | 'proteinChange' | 'hgvsp' | 'consequence' | 'exon'>;

export interface PatientGenomics {
  /** at least one call set is stored for the patient */
  sequenced: boolean;
  /** TMB of the newest call set that has one, mut/Mb */
  tmb?: number | null;
  variants: readonly VariantCall[];
}

/** `1959`, `1959-01` or `1959-01-01` → the earliest and latest day it can mean. */
export function birthDateRange(value: string | undefined): { earliest: string; latest: string } | null {
  const m = value ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value) : null;
  if (!m) return null;
  const [, y, mo, d] = m as unknown as [string, string, string | undefined, string | undefined];
  if (d) return { earliest: `${y}-${mo}-${d}`, latest: `${y}-${mo}-${d}` };
  if (mo) {
    const last = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
    return { earliest: `${y}-${mo}-01`, latest: `${y}-${mo}-${String(last).padStart(2, '0')}` };
  }
  return { earliest: `${y}-01-01`, latest: `${y}-12-31` };
}

/** `IIIC` → 3, `IV` → 4, `0is` → 0. */
export function mainStageGroup(label: string | undefined): number | null {
  const m = label ? /^(IV|III|II|I|0)/.exec(label.toUpperCase()) : null;
  return m ? ({ IV: 4, III: 3, II: 2, I: 1, '0': 0 } as Record<string, number>)[m[1] as string] ?? null : null;
}

// OMB race categories (US Core ombCategory) and the ethnicity codes kept out of the population group
const OMB_RACE = new Set(['1002-5', '2028-9', '2054-5', '2076-8', '2106-3', '2131-1']);
const NOT_A_GROUP = new Set(['2135-2', '2186-5', 'UNK', 'ASKU']);

/**
 * One population-group label: a specific group (a site's population-group code, a detailed race)
 * when the Patient has one, else the OMB race category, `Multiple` for several, null for none.
 */
export function populationGroupOf(summary: ClinicalSummary): string | null {
  const codes = summary.populationGroups.map((g) => g.value).filter((c) => c.code && !NOT_A_GROUP.has(c.code) && !/hispanic|latino/i.test(c.display ?? ''));
  const specific = codes.find((c) => !OMB_RACE.has(c.code as string));
  if (specific) return specific.display ?? specific.code ?? null;
  const races = [...new Map(codes.map((c) => [c.code, c])).values()];
  if (races.length > 1) return 'Multiple';
  return races[0] ? (races[0].display ?? races[0].code ?? null) : null;
}

function latestWith<T>(markers: readonly TumorMarker[], name: TumorMarker['marker'], read: (m: TumorMarker) => T | null): T | null {
  let best: { value: T; t: number } | undefined;
  for (const m of markers) {
    if (m.marker !== name) continue;
    const value = read(m);
    if (value === null) continue;
    const t = Date.parse(m.date ?? '');
    const key = Number.isNaN(t) ? -Infinity : t;
    if (!best || key >= best.t) best = { value, t: key };
  }
  return best?.value ?? null;
}

const receptor = (m: TumorMarker): ReceptorStatus | null => (m.status === 'positive' || m.status === 'negative' ? m.status : null);

function msiOf(m: TumorMarker): MsiStatus | null {
  if (m.status === 'positive' || m.status === 'high') return 'MSI-H';
  if (m.status === 'low') return 'MSI-L';
  if (m.status === 'negative' || m.status === 'stable') return 'MSS';
  return null;
}

/** `19/28` → [19]; `18-19/28` → [18, 19]. */
function exonsOf(exon: string | null): number[] {
  const m = exon ? /^(\d+)(?:-(\d+))?(?:\/\d+)?$/.exec(exon.trim()) : null;
  if (!m) return [];
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  return last >= first && last - first < 50 ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : [];
}

function variantFacts(summary: ClinicalSummary, calls: readonly VariantCall[]): FactVariant[] {
  const out = new Map<string, FactVariant>();
  const add = (v: FactVariant) => out.set(`${v.gene}|${v.proteinChange}|${v.exon}|${v.altering}`, v);
  for (const c of calls) {
    if (!c.gene) continue;
    const proteinChange = canonicalProteinChange(c.proteinChange ?? c.hgvsp) ?? null;
    const altering = c.consequence ? isProteinAltering(c.consequence.split('&')) : null;
    const exons = exonsOf(c.exon);
    if (exons.length === 0) add({ gene: c.gene.toUpperCase(), proteinChange, exon: null, altering });
    for (const exon of exons) add({ gene: c.gene.toUpperCase(), proteinChange, exon, altering });
  }
  // variants reported in FHIR were found and reported: taken as protein-altering unless synonymous.
  // One that restates a stored call (the site writes an observation for each reportable call) is
  // left out, or its missing exon would make exon-level answers UNKNOWN for that very call.
  const called = new Set([...out.values()].map((v) => `${v.gene}|${v.proteinChange}`));
  for (const f of summary.variants) {
    if (!f.gene || !/^[A-Za-z0-9-]{1,20}$/.test(f.gene)) continue;
    const gene = f.gene.toUpperCase();
    const proteinChange = canonicalProteinChange(f.hgvsProtein) ?? null;
    if (proteinChange && called.has(`${gene}|${proteinChange}`)) continue;
    const synonymous = f.hgvsProtein?.endsWith('=') ?? false;
    add({ gene, proteinChange, exon: null, altering: !synonymous });
  }
  return [...out.values()];
}

/**
 * Derives the facts from a clinical summary and the patient's stored genomics. Pure.
 * mCODE: https://hl7.org/fhir/us/mcode/
 */
export function derivePatientFacts(summary: ClinicalSummary, genomics: PatientGenomics): PatientFacts {
  const markers = summary.tumorMarkers;
  const lines = summary.medications.map((m) => m.line).filter((l): l is number => typeof l === 'number');
  const sex = summary.sex?.value;
  const markerTmb = latestWith(markers, 'TMB', (m) => m.quantity?.value ?? null);
  const cancerType = summary.primaryCancer?.cancerType ?? null;
  return {
    birthDate: birthDateRange(summary.birthDate?.value),
    deceased: summary.deceased?.value ?? false,
    sex: sex === 'female' || sex === 'male' || sex === 'other' ? sex : null,
    populationGroup: populationGroupOf(summary),
    cancerType,
    cancerClass: cancerClassOf(cancerType) ?? null,
    stageGroup: mainStageGroup(summary.staging.group?.label),
    ecog: summary.ecog?.value ?? null,
    priorLines: lines.length > 0 ? Math.max(...lines) : null,
    er: latestWith(markers, 'ER', receptor),
    pr: latestWith(markers, 'PR', receptor),
    her2: latestWith(markers, 'HER2', receptor),
    msi: latestWith(markers, 'MSI', msiOf),
    // the site's own TMB (known method and target size) before a reported value
    tmb: genomics.tmb ?? markerTmb,
    sequenced: genomics.sequenced,
    variants: variantFacts(summary, genomics.variants),
  };
}
