/**
 * One criterion against one patient's facts: MET, NOT_MET, or UNKNOWN when the record does not
 * say. Genomic criteria follow the data's reach: a stored VCF shows small variants, so absence of
 * a call is NOT_MET only for a sequenced patient and only for mutations; copy-number changes and
 * fusions are never ruled out (https://civic.readthedocs.io/en/latest/model/variants.html).
 * `sql-compile.ts` states the same rules in SQL; the two must agree (tests/trials check it).
 */
import type { Resource } from '@medplum/fhirtypes';
import { and3 } from '../eligibility/three-valued.ts';
import type { Criterion, GenomicCriterion, NumberRange, TriState } from '../eligibility/types.ts';
import type { FactVariant, PatientFacts } from '../facts/patient-facts.ts';
import type { FhirPathRunner } from './fhirpath-criterion.ts';

export interface CriterionOutcome {
  result: TriState;
  /** what the record says, for the clinician ("ECOG 2"); absent when it says nothing */
  observed?: string;
  /** why the answer is UNKNOWN */
  reason?: string;
}

export interface EvaluationContext {
  /** the day ages are computed at, YYYY-MM-DD */
  asOf: string;
  /** the patient's FHIR resources, for FHIRPath criteria */
  record?: readonly Resource[];
  fhirpath?: FhirPathRunner;
}

/** Today as YYYY-MM-DD (UTC): the default evaluation date. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * The latest birth date that makes someone at least `years` old on `asOf` (a 29 February
 * birthday counts from 28 February in common years, as `ageInYears` does).
 */
export function yearsBefore(asOf: string, years: number): string {
  const [y, m, d] = asOf.split('-').map(Number) as [number, number, number];
  const year = y - years;
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

function inRange(value: number | null, r: NumberRange, what: string, show: (v: number) => string): CriterionOutcome {
  if (value === null) return { result: 'UNKNOWN', reason: `no ${what} recorded` };
  const ok = (r.min === undefined || value >= r.min) && (r.max === undefined || value <= r.max);
  return { result: ok ? 'MET' : 'NOT_MET', observed: show(value) };
}

function equals<T extends string>(value: T | null, wanted: T, what: string): CriterionOutcome {
  if (value === null) return { result: 'UNKNOWN', reason: `no ${what} recorded` };
  return { result: value === wanted ? 'MET' : 'NOT_MET', observed: `${what} ${value}` };
}

function age(facts: PatientFacts, r: NumberRange, asOf: string): CriterionOutcome {
  const b = facts.birthDate;
  if (!b) return { result: 'UNKNOWN', reason: 'no birth date recorded' };
  const parts: TriState[] = [];
  if (r.min !== undefined) {
    const cut = yearsBefore(asOf, r.min);
    parts.push(b.latest <= cut ? 'MET' : b.earliest > cut ? 'NOT_MET' : 'UNKNOWN');
  }
  if (r.max !== undefined) {
    const cut = yearsBefore(asOf, r.max + 1);
    parts.push(b.earliest > cut ? 'MET' : b.latest <= cut ? 'NOT_MET' : 'UNKNOWN');
  }
  const result = and3(parts);
  return result === 'UNKNOWN' ? { result, reason: 'the recorded birth date is too coarse to tell' } : { result };
}

/** A call fits when every field the criterion names agrees; it may fit when the differing fields are unannotated. */
function fits(v: FactVariant, c: GenomicCriterion, allowUnknown: boolean): boolean {
  if (v.gene !== c.gene) return false;
  if (allowUnknown ? v.altering === false : v.altering !== true) return false;
  if (c.proteinChange && v.proteinChange !== c.proteinChange && !(allowUnknown && v.proteinChange === null)) return false;
  if (c.exon !== undefined && v.exon !== c.exon && !(allowUnknown && v.exon === null)) return false;
  return true;
}

function genomic(facts: PatientFacts, c: GenomicCriterion): CriterionOutcome {
  const inGene = facts.variants.filter((v) => v.gene === c.gene);
  if (c.wildtype) {
    if (inGene.some((v) => v.altering === true)) return { result: 'NOT_MET', observed: `${c.gene} variant present` };
    if (!facts.sequenced) return { result: 'UNKNOWN', reason: 'no sequencing stored for the patient' };
    if (inGene.some((v) => v.altering === null)) return { result: 'UNKNOWN', reason: `a ${c.gene} call has no consequence annotation` };
    return { result: 'MET', observed: `no ${c.gene} variant in the stored calls` };
  }
  if (c.category !== 'mutation' && c.category !== 'any') {
    return { result: 'UNKNOWN', reason: `${c.category} cannot be seen in small-variant calls` };
  }
  const hit = inGene.find((v) => fits(v, c, false));
  if (hit) return { result: 'MET', observed: `${c.gene} ${hit.proteinChange ?? 'variant'}${hit.exon !== null ? ` (exon ${hit.exon})` : ''}` };
  if (c.category === 'any') return { result: 'UNKNOWN', reason: 'copy-number and structural changes cannot be ruled out' };
  if (inGene.some((v) => fits(v, c, true))) return { result: 'UNKNOWN', reason: `a ${c.gene} variant lacks the annotation needed to tell` };
  if (!facts.sequenced) return { result: 'UNKNOWN', reason: 'no sequencing stored for the patient' };
  return { result: 'NOT_MET', observed: inGene.length > 0 ? `other ${c.gene} variants only` : `no ${c.gene} variant in the stored calls` };
}

/** Evaluates one criterion. */
export function evaluateCriterion(c: Criterion, facts: PatientFacts, ctx: EvaluationContext): CriterionOutcome {
  switch (c.kind) {
    case 'age':
      return age(facts, c.range, ctx.asOf);
    case 'sex':
      return equals(facts.sex, c.sex, 'sex');
    case 'cancerType': {
      const value = c.meta ? facts.cancerClass : facts.cancerType;
      if (value === null) return { result: 'UNKNOWN', reason: c.meta ? 'cancer type not known to be solid or liquid' : 'no cancer type recorded' };
      const same = value === c.value;
      return { result: same !== c.negated ? 'MET' : 'NOT_MET', observed: c.meta ? `${value} tumour` : value };
    }
    case 'stage': {
      const g = facts.stageGroup;
      if (g === null) return { result: 'UNKNOWN', reason: 'no stage group recorded' };
      return { result: c.groups.includes(g) ? 'MET' : 'NOT_MET', observed: `stage ${['0', 'I', 'II', 'III', 'IV'][g]}` };
    }
    case 'ecog':
      return inRange(facts.ecog, c.range, 'ECOG score', (v) => `ECOG ${v}`);
    case 'priorLines':
      return inRange(facts.priorLines, c.range, 'line of therapy', (v) => `${v} line${v === 1 ? '' : 's'}`);
    case 'receptor': {
      const value = c.marker === 'ER' ? facts.er : c.marker === 'PR' ? facts.pr : facts.her2;
      return equals(value, c.status, c.marker);
    }
    case 'msi':
      return equals(facts.msi, c.status, 'microsatellite status');
    case 'tmb':
      return inRange(facts.tmb, c.range, 'TMB', (v) => `TMB ${v} mut/Mb`);
    case 'genomic':
      return genomic(facts, c);
    case 'fhirpath':
      if (!ctx.record || !ctx.fhirpath) return { result: 'UNKNOWN', reason: "needs the patient's FHIR record" };
      return ctx.fhirpath.evaluate(c.expression, ctx.record, ctx.asOf);
    case 'unmapped':
      return { result: 'UNKNOWN', reason: 'criterion not structured; review by hand' };
  }
}
