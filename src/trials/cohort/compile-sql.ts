/**
 * Compiles an eligibility tree to SQL over the `trial_patient_features` projection (alias `f`) and
 * `trial_patient_variant` (alias `v`). Three-valued logic is kept by compiling each node twice:
 * `met` is true exactly when the node is MET, `notMet` exactly when it is NOT_MET (both are false
 * or NULL when it is UNKNOWN). AND/OR are monotone, so `met(a AND b) = met(a) AND met(b)`,
 * `notMet(a AND b) = notMet(a) OR notMet(b)`, NOT swaps the two, and no SQL NOT is ever applied to
 * a value that may be NULL. The result is a plain conjunction over indexed columns, the query a
 * person would write by hand. The rules mirror `evaluate-criterion.ts` one for one.
 */
import { yearsBefore } from '../evaluate/evaluate-criterion.ts';
import type { Criterion, EligibilityNode, GenomicCriterion, NumberRange } from '../eligibility/types.ts';
import { SqlParams } from './sql-params.ts';

export interface CompiledCondition {
  met: string;
  notMet: string;
}

const NEVER: CompiledCondition = { met: 'FALSE', notMet: 'FALSE' };

function all(parts: string[]): string {
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`;
}

function any(parts: string[]): string {
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

function range(column: string, r: NumberRange, p: SqlParams, type: string): CompiledCondition {
  const met: string[] = [];
  const notMet: string[] = [];
  if (r.min !== undefined) {
    const x = p.add(r.min, type);
    met.push(`${column} >= ${x}`);
    notMet.push(`${column} < ${x}`);
  }
  if (r.max !== undefined) {
    const x = p.add(r.max, type);
    met.push(`${column} <= ${x}`);
    notMet.push(`${column} > ${x}`);
  }
  return { met: all(met), notMet: any(notMet) };
}

function equal(column: string, value: string, p: SqlParams): CompiledCondition {
  const x = p.add(value, 'text');
  return { met: `${column} = ${x}`, notMet: `${column} <> ${x}` };
}

function age(r: NumberRange, p: SqlParams, asOf: string): CompiledCondition {
  const met: string[] = [];
  const notMet: string[] = [];
  if (r.min !== undefined) {
    const cut = p.add(yearsBefore(asOf, r.min), 'date');
    met.push(`f.birth_latest <= ${cut}`);
    notMet.push(`f.birth_earliest > ${cut}`);
  }
  if (r.max !== undefined) {
    const cut = p.add(yearsBefore(asOf, r.max + 1), 'date');
    met.push(`f.birth_earliest > ${cut}`);
    notMet.push(`f.birth_latest <= ${cut}`);
  }
  return { met: all(met), notMet: any(notMet) };
}

/** The condition on a call `v` that fits the criterion; `loose` also lets unannotated fields through. */
function variantCondition(c: GenomicCriterion, p: SqlParams, loose: boolean): string {
  const where = [`v.gene = ${p.add(c.gene, 'text')}`, loose ? 'v.altering IS NOT FALSE' : 'v.altering'];
  if (c.proteinChange) {
    const x = p.add(c.proteinChange, 'text');
    where.push(loose ? `(v.protein_change = ${x} OR v.protein_change IS NULL)` : `v.protein_change = ${x}`);
  }
  if (c.exon !== undefined) {
    const x = p.add(c.exon, 'int2');
    where.push(loose ? `(v.exon = ${x} OR v.exon IS NULL)` : `v.exon = ${x}`);
  }
  return where.join(' AND ');
}

function callExists(conditions: string[]): string {
  const body = conditions.length === 1 ? conditions[0] : `(${conditions.map((c) => `(${c})`).join(' OR ')})`;
  return `EXISTS (SELECT 1 FROM trial_patient_variant v WHERE v.patient_id = f.patient_id AND ${body})`;
}

/** A mutation (or any-alteration) criterion that is not wild type: the ones an OR can merge. */
function isCallCriterion(node: EligibilityNode): node is EligibilityNode & { op: 'leaf'; criterion: GenomicCriterion } {
  return node.op === 'leaf' && node.criterion.kind === 'genomic' && !node.criterion.wildtype && (node.criterion.category === 'mutation' || node.criterion.category === 'any');
}

/**
 * Several call criteria under one OR as a single EXISTS whose condition is the OR of theirs:
 * `EXISTS a OR EXISTS b` is `EXISTS (a OR b)`, and `NOT EXISTS a AND NOT EXISTS b` is
 * `NOT EXISTS (a OR b)`; PostgreSQL can run the merged form as one semi-join.
 */
function callsAnyOf(criteria: GenomicCriterion[], p: SqlParams): CompiledCondition {
  const met = callExists(criteria.map((c) => variantCondition(c, p, false)));
  // an "any alteration" criterion is never NOT_MET, so neither is an OR that contains one
  if (criteria.some((c) => c.category === 'any')) return { met, notMet: 'FALSE' };
  return { met, notMet: `(f.sequenced AND NOT ${callExists(criteria.map((c) => variantCondition(c, p, true)))})` };
}

function genomic(c: GenomicCriterion, p: SqlParams): CompiledCondition {
  if (c.wildtype) {
    const anyCall = callExists([`v.gene = ${p.add(c.gene, 'text')} AND v.altering IS NOT FALSE`]);
    const mutated = callExists([`v.gene = ${p.add(c.gene, 'text')} AND v.altering`]);
    return { met: `(f.sequenced AND NOT ${anyCall})`, notMet: mutated };
  }
  if (c.category !== 'mutation' && c.category !== 'any') return NEVER;
  return callsAnyOf([c], p);
}

function leaf(c: Criterion, p: SqlParams, asOf: string): CompiledCondition {
  switch (c.kind) {
    case 'age':
      return age(c.range, p, asOf);
    case 'sex':
      return equal('f.sex', c.sex, p);
    case 'cancerType': {
      const e = equal(c.meta ? 'f.cancer_class' : 'f.cancer_type', c.value, p);
      return c.negated ? { met: e.notMet, notMet: e.met } : e;
    }
    case 'stage': {
      const x = p.add(c.groups, 'int2[]');
      return { met: `f.stage_group = ANY(${x})`, notMet: `f.stage_group <> ALL(${x})` };
    }
    case 'ecog':
      return range('f.ecog', c.range, p, 'int2');
    case 'priorLines':
      return range('f.prior_lines', c.range, p, 'int2');
    case 'receptor':
      return equal(c.marker === 'ER' ? 'f.er' : c.marker === 'PR' ? 'f.pr' : 'f.her2', c.status, p);
    case 'msi':
      return equal('f.msi', c.status, p);
    case 'tmb':
      return range('f.tmb', c.range, p, 'float8');
    case 'genomic':
      return genomic(c, p);
    case 'fhirpath':
    case 'unmapped':
      // the projection cannot answer these: UNKNOWN for every patient, as the evaluator without a record
      return NEVER;
  }
}

/** Both conditions of a node. */
export function compileNode(node: EligibilityNode, p: SqlParams, asOf: string): CompiledCondition {
  switch (node.op) {
    case 'and': {
      const parts = node.children.map((c) => compileNode(c, p, asOf));
      return { met: all(parts.map((x) => x.met)), notMet: any(parts.map((x) => x.notMet)) };
    }
    case 'or': {
      const calls = node.children.filter(isCallCriterion);
      const rest = calls.length > 1 ? node.children.filter((c) => !isCallCriterion(c)) : node.children;
      const parts = rest.map((c) => compileNode(c, p, asOf));
      if (calls.length > 1) parts.push(callsAnyOf(calls.map((c) => c.criterion), p));
      return { met: any(parts.map((x) => x.met)), notMet: all(parts.map((x) => x.notMet)) };
    }
    case 'not': {
      const c = compileNode(node.child, p, asOf);
      return { met: c.notMet, notMet: c.met };
    }
    case 'leaf':
      return leaf(node.criterion, p, asOf);
  }
}

/** True when the tree has a criterion SQL cannot answer (FHIRPath, unmapped): those patients are at best "possibly eligible". */
export function needsRecordReview(node: EligibilityNode): boolean {
  switch (node.op) {
    case 'and':
    case 'or':
      return node.children.some(needsRecordReview);
    case 'not':
      return needsRecordReview(node.child);
    case 'leaf':
      return node.criterion.kind === 'fhirpath' || node.criterion.kind === 'unmapped';
  }
}
