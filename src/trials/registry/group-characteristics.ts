/**
 * FHIR R4 Group characteristics (http://hl7.org/fhir/R4/group-definitions.html#Group.characteristic)
 * of a ResearchStudy's enrollment Group, read as eligibility criteria by their code: age, sex, ECOG,
 * tumour markers, stage group, disease, and gene. All characteristics of a Group must hold (AND), and
 * `exclude: true` negates one. A characteristic the mapper cannot read becomes an "unmapped"
 * criterion, which is always UNKNOWN: it is shown for review, never dropped.
 */
import type { CodeableConcept, GroupCharacteristic, Quantity, Range } from '@medplum/fhirtypes';
import type { McodeCodeTables } from '../../clinical/mcode/code-tables.ts';
import { stageGroupLabel } from '../../clinical/mcode/staging.ts';
import { cancerTypeForName } from '../eligibility/cancer-types.ts';
import { leaf } from '../eligibility/parse-eligibility.ts';
import type { Criterion, EligibilityNode, NumberRange } from '../eligibility/types.ts';
import { mainStageGroup } from '../facts/patient-facts.ts';

// LOINC 30525-0 Age, 21612-7 Age reported; SNOMED 397669002 Age, 424144002 Current chronological age
const AGE = ['30525-0', '21612-7', '397669002', '424144002'];
const YEARS = ['a', 'yr', 'yrs', 'year', 'years'];
// LOINC 46098-0 Sex, 76689-9 Sex assigned at birth; SNOMED 263495000 Gender
const SEX = ['46098-0', '76689-9', '263495000'];
const FEMALE = ['female', '248152002', 'LA3-6', 'F'];
const MALE = ['male', '248153007', 'LA2-8', 'M'];
// SNOMED 64572001 Disease, 439401001 Diagnosis; LOINC 75323-6 Condition, 29308-4 Diagnosis
const DISEASE = ['64572001', '439401001', '75323-6', '29308-4'];
// LOINC 69548-6 Genetic variant assessment, 48018-6 Gene studied
const GENE = ['69548-6', '48018-6'];

const codesOf = (cc: CodeableConcept | undefined): string[] => (cc?.coding ?? []).map((c) => c.code).filter((c): c is string => !!c);
const has = (cc: CodeableConcept | undefined, codes: readonly string[]) => codesOf(cc).some((c) => codes.includes(c));

/** A cancer code (SNOMED table, ICD-10 C00-C97) or a name in cancer-types.json → Sangam's coarse type. */
export function cancerTypeOfConcept(cc: CodeableConcept | undefined, tables: McodeCodeTables): string | undefined {
  for (const c of cc?.coding ?? []) {
    if (!c.code) continue;
    const snomed = tables.primaryCancerSnomed.get(c.code);
    if (snomed) return snomed;
    if (/icd-?10/i.test(c.system ?? '') && /^C\d\d/.test(c.code)) {
      const t = tables.icd10CancerTypes.get(c.code.slice(0, 3));
      if (t) return t;
    }
  }
  const names = [cc?.text, ...(cc?.coding ?? []).map((c) => c.display)].filter((n): n is string => !!n);
  return names.map(cancerTypeForName).find(Boolean);
}

function rangeOf(ch: GroupCharacteristic, integer: boolean): NumberRange | undefined {
  const r: Range | undefined = ch.valueRange;
  if (r && (typeof r.low?.value === 'number' || typeof r.high?.value === 'number')) {
    return { ...(typeof r.low?.value === 'number' ? { min: r.low.value } : {}), ...(typeof r.high?.value === 'number' ? { max: r.high.value } : {}) };
  }
  const q: Quantity | undefined = ch.valueQuantity;
  if (typeof q?.value !== 'number') return undefined;
  const step = integer ? 1 : 0;
  switch (q.comparator) {
    case '>=':
      return { min: q.value };
    case '>':
      return integer ? { min: q.value + step } : undefined;
    case '<=':
      return { max: q.value };
    case '<':
      return integer ? { max: q.value - step } : undefined;
    default:
      return { min: q.value, max: q.value };
  }
}

function statusOf(ch: GroupCharacteristic, tables: McodeCodeTables): string | undefined {
  for (const code of codesOf(ch.valueCodeableConcept)) {
    const s = tables.markerStatus.get(code);
    if (s) return s;
  }
  return undefined;
}

function geneOf(cc: CodeableConcept | undefined, tables: McodeCodeTables): string | undefined {
  for (const c of cc?.coding ?? []) {
    const fromId = c.code ? tables.hgncSymbols.get(c.code) : undefined;
    if (fromId) return fromId;
    const symbol = [c.code, c.display].find((s) => s && /^[A-Z][A-Z0-9-]{1,14}$/.test(s));
    if (symbol) return symbol;
  }
  return undefined;
}

/** The criterion one characteristic states, or undefined when the mapper cannot read it. */
function criterionOf(ch: GroupCharacteristic, tables: McodeCodeTables): Criterion | undefined {
  const code = ch.code;
  if (has(code, AGE)) {
    // years only (UCUM `a`); an age in months or days is left for review rather than misread
    const units = [ch.valueRange?.low, ch.valueRange?.high, ch.valueQuantity].flatMap((q) => [q?.code, q?.unit]).filter((u): u is string => !!u);
    if (units.some((u) => !YEARS.includes(u.toLowerCase()))) return undefined;
    const range = rangeOf(ch, true);
    return range ? { kind: 'age', range } : undefined;
  }
  if (has(code, SEX)) {
    const v = codesOf(ch.valueCodeableConcept);
    if (v.some((c) => FEMALE.includes(c))) return { kind: 'sex', sex: 'female' };
    if (v.some((c) => MALE.includes(c))) return { kind: 'sex', sex: 'male' };
    return undefined;
  }
  if (has(code, tables.observation.ecog)) {
    const answer = codesOf(ch.valueCodeableConcept).map((c) => tables.ecogAnswers.get(c)).find((x) => x !== undefined);
    const range = answer !== undefined ? { min: answer, max: answer } : rangeOf(ch, true);
    return range ? { kind: 'ecog', range } : undefined;
  }
  const marker = codesOf(code).map((c) => tables.tumorMarkers.get(c)).find(Boolean);
  if (marker === 'TMB') {
    const range = rangeOf(ch, false);
    return range ? { kind: 'tmb', range } : undefined;
  }
  if (marker === 'ER' || marker === 'PR' || marker === 'HER2') {
    const s = statusOf(ch, tables);
    return s === 'positive' || s === 'negative' ? { kind: 'receptor', marker, status: s } : undefined;
  }
  if (marker === 'MSI') {
    const s = statusOf(ch, tables);
    const status = s === 'positive' || s === 'high' ? 'MSI-H' : s === 'low' ? 'MSI-L' : s === 'negative' || s === 'stable' ? 'MSS' : undefined;
    return status ? { kind: 'msi', status } : undefined;
  }
  if (codesOf(code).some((c) => tables.staging.group.has(c))) {
    const labels = (ch.valueCodeableConcept?.coding ?? []).flatMap((c) => [c.code, c.display]).concat(ch.valueCodeableConcept?.text);
    const group = labels.map((l) => (l ? mainStageGroup(stageGroupLabel(l)) : null)).find((g) => g !== null);
    return group !== undefined && group !== null ? { kind: 'stage', groups: [group] } : undefined;
  }
  if (has(code, DISEASE)) {
    const type = cancerTypeOfConcept(ch.valueCodeableConcept, tables);
    return type ? { kind: 'cancerType', value: type, meta: false, negated: false } : undefined;
  }
  if (has(code, GENE)) {
    const gene = geneOf(ch.valueCodeableConcept, tables);
    return gene ? { kind: 'genomic', gene, category: 'mutation', wildtype: false } : undefined;
  }
  // a characteristic coded with the disease itself ("has breast cancer": true)
  if (ch.valueBoolean !== false) {
    const type = cancerTypeOfConcept(code, tables);
    if (type) return { kind: 'cancerType', value: type, meta: false, negated: false };
  }
  return undefined;
}

function describe(ch: GroupCharacteristic): string {
  const name = ch.code?.text ?? ch.code?.coding?.[0]?.display ?? ch.code?.coding?.[0]?.code ?? 'characteristic';
  const value = ch.valueCodeableConcept?.text ?? ch.valueCodeableConcept?.coding?.[0]?.display ?? ch.valueCodeableConcept?.coding?.[0]?.code;
  return `${ch.exclude ? 'Exclusion: ' : ''}${name}${value ? `: ${value}` : ''}`.slice(0, 300);
}

/** One characteristic as a tree node (negated when `exclude`), and whether the mapper could read it. */
export function characteristicNode(ch: GroupCharacteristic, tables: McodeCodeTables): { node: EligibilityNode; mapped: boolean } {
  const criterion = criterionOf(ch, tables);
  if (!criterion) return { node: leaf({ kind: 'unmapped', description: describe(ch) }), mapped: false };
  const node = leaf(criterion);
  return { node: ch.exclude ? { op: 'not', child: node } : node, mapped: true };
}
