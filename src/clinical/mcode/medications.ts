import type { CodeableConcept, Medication, MedicationAdministration, MedicationRequest, MedicationStatement, Reference } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { codings, extensionNamed, sourceOf, toCode } from './fhir-values.ts';
import type { CancerMedication, Code } from './types.ts';

export type MedicationResource = MedicationRequest | MedicationStatement | MedicationAdministration;

function period(m: MedicationResource): { start?: string; end?: string } {
  if (m.resourceType === 'MedicationRequest') {
    const bounds = m.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod;
    return { start: bounds?.start ?? m.dispenseRequest?.validityPeriod?.start ?? m.authoredOn, end: bounds?.end ?? m.dispenseRequest?.validityPeriod?.end };
  }
  return { start: m.effectivePeriod?.start ?? m.effectiveDateTime, end: m.effectivePeriod?.end };
}

/** The drug's code: inline, or from the Medication it references (stored or contained). */
function drugCode(m: MedicationResource, medications: ReadonlyMap<string, Medication>): CodeableConcept | undefined {
  if (m.medicationCodeableConcept) return m.medicationCodeableConcept;
  const ref = m.medicationReference?.reference;
  if (!ref) return undefined;
  if (ref.startsWith('#')) {
    const contained = m.contained?.find((c): c is Medication => c.resourceType === 'Medication' && c.id === ref.slice(1));
    return contained?.code;
  }
  return ref.startsWith('Medication/') ? medications.get(ref.slice('Medication/'.length))?.code : undefined;
}

/** statusReason is one CodeableConcept on a request and a list on statements and administrations. */
function statusReasonOf(m: MedicationResource): CodeableConcept | undefined {
  return m.resourceType === 'MedicationRequest' ? m.statusReason : m.statusReason?.[0];
}

function reasons(m: MedicationResource): { codes: CodeableConcept[]; refs: Reference[] } {
  return { codes: m.reasonCode ?? [], refs: m.reasonReference ?? [] };
}

/**
 * Cancer-related medications: those given for a cancer Condition (reasonReference), carrying the
 * mCODE procedure-intent extension, coded with a known antineoplastic RxNorm code, or whose
 * reasonCode is a cancer code. Everything else (antibiotics, analgesics...) is left out. The drug
 * is read inline or from a referenced Medication (`medicationsById`, or one contained in the resource).
 */
export function mapMedications(
  medications: readonly MedicationResource[],
  tables: McodeCodeTables,
  cancerConditionIds: ReadonlySet<string>,
  isCancerCode: (cc: CodeableConcept) => boolean,
  medicationsById: ReadonlyMap<string, Medication> = new Map(),
): CancerMedication[] {
  const out: CancerMedication[] = [];
  for (const m of medications) {
    const cc = drugCode(m, medicationsById);
    const intentExt = extensionNamed(m.extension, 'mcode-procedure-intent');
    const { codes: reasonCodes, refs } = reasons(m);
    const related =
      refs.some((r) => r.reference?.startsWith('Condition/') && cancerConditionIds.has(r.reference.slice('Condition/'.length))) ||
      intentExt !== undefined ||
      codings(cc).some((c) => c.code !== undefined && tables.antineoplasticRxnorm.has(c.code)) ||
      reasonCodes.some(isCancerCode);
    if (!related) continue;
    const { start, end } = period(m);
    const known = codings(cc).map((c) => (c.code ? tables.antineoplasticRxnorm.get(c.code) : undefined)).find(Boolean);
    const display = cc?.text ?? codings(cc).find((c) => c.display)?.display ?? known;
    const intent = toCode(intentExt?.valueCodeableConcept?.coding?.[0]);
    const line = extensionNamed(m.extension, 'line-of-therapy')?.valuePositiveInt;
    const statusReason = toCode(statusReasonOf(m)?.coding?.[0]);
    out.push({
      codes: codings(cc).map((c) => toCode(c) ?? ({} as Code)),
      source: sourceOf(m),
      ...(display ? { display } : {}),
      ...(m.status ? { status: m.status } : {}),
      ...(statusReason ? { statusReason } : {}),
      ...(intent ? { intent } : {}),
      ...(typeof line === 'number' ? { line } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    });
  }
  return out.sort((a, b) => (Date.parse(a.start ?? '') || 0) - (Date.parse(b.start ?? '') || 0));
}
