import type { CodeableConcept, Condition } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { byDate, codings, extensionNamed, sourceOf, toCode } from './fhir-values.ts';
import type { CancerCondition } from './types.ts';

type Kind = 'primary' | 'secondary' | undefined;

const ICD10 = /icd-10|icd10/i;

/** Primary or secondary cancer by code: the SNOMED tables, or ICD-10 C00-C97 (C77-C79 secondary). */
function classify(code: CodeableConcept | undefined, tables: McodeCodeTables): { kind: Kind; cancerType?: string } {
  for (const c of codings(code)) {
    if (!c.code) continue;
    if (tables.secondaryCancerSnomed.has(c.code)) return { kind: 'secondary' };
    const type = tables.primaryCancerSnomed.get(c.code);
    if (type !== undefined) return { kind: 'primary', ...(type ? { cancerType: type } : {}) };
    if (c.system && ICD10.test(c.system) && /^C(\d\d|7[AB])/.test(c.code)) {
      // C7A malignant neuroendocrine tumours (ICD-10-CM); C7B and C77-C79 are secondary
      if (c.code.startsWith('C7B')) return { kind: 'secondary' };
      const n = Number(c.code.slice(1, 3));
      if (n >= 77 && n <= 79) return { kind: 'secondary' };
      const cancerType = tables.icd10CancerTypes.get(c.code.slice(0, 3));
      return { kind: 'primary', ...(cancerType ? { cancerType } : {}) };
    }
  }
  return { kind: undefined };
}

function toCancer(condition: Condition, tables: McodeCodeTables, cancerType?: string): CancerCondition {
  const histology = extensionNamed(condition.extension, 'mcode-histology-morphology-behavior');
  const site = condition.bodySite?.[0];
  const siteType = codings(site).map((c) => (c.code ? tables.bodySites.get(c.code) : undefined)).find(Boolean);
  const out: CancerCondition = { codes: codings(condition.code).map((c) => toCode(c) ?? {}), source: sourceOf(condition) };
  const type = cancerType ?? siteType;
  if (type) out.cancerType = type;
  const histologyCode = toCode(histology?.valueCodeableConcept?.coding?.[0]);
  if (histologyCode) out.histology = histologyCode;
  const siteCode = toCode(site?.coding?.[0]);
  if (siteCode) out.bodySite = siteCode;
  const assertedDate = extensionNamed(condition.extension, 'condition-assertedDate')?.valueDateTime;
  const date = condition.onsetDateTime ?? condition.onsetPeriod?.start ?? condition.recordedDate ?? assertedDate;
  if (date) out.diagnosisDate = date;
  const status = condition.clinicalStatus?.coding?.[0]?.code;
  if (status) out.clinicalStatus = status;
  return out;
}

/**
 * Finds the primary cancer (the earliest diagnosed, when there are several) and the secondary
 * cancers among a patient's Conditions, by code only.
 */
export function mapCancerConditions(
  conditions: readonly Condition[],
  tables: McodeCodeTables,
): { primary?: CancerCondition; secondary: CancerCondition[] } {
  const primaries: CancerCondition[] = [];
  const secondary: CancerCondition[] = [];
  for (const condition of conditions) {
    const { kind, cancerType } = classify(condition.code, tables);
    if (kind === 'primary') primaries.push(toCancer(condition, tables, cancerType));
    else if (kind === 'secondary') secondary.push(toCancer(condition, tables));
  }
  const [primary] = byDate(primaries, (c) => c.diagnosisDate);
  return { ...(primary ? { primary } : {}), secondary: byDate(secondary, (c) => c.diagnosisDate) };
}
