/**
 * The anticancer drugs in a hook's draft orders (context.draftOrders, a Bundle of draft orders).
 * A drug is known by its RxNorm code, inline or on a Medication the order references (contained
 * or in the same Bundle), else by an ingredient name in the coding display or text.
 */
import type { CodeableConcept, Medication, MedicationRequest } from '@medplum/fhirtypes';

export interface DraftedDrugs {
  /** `MedicationRequest/id` of every order that holds an anticancer drug */
  orders: string[];
  /** ingredient names, lower case, distinct and sorted */
  drugs: string[];
}

type Entry = { resource?: { resourceType: string } & Record<string, unknown> };

function drugCode(m: MedicationRequest, bundleMedications: ReadonlyMap<string, Medication>): CodeableConcept | undefined {
  if (m.medicationCodeableConcept) return m.medicationCodeableConcept;
  const ref = m.medicationReference?.reference;
  if (!ref) return undefined;
  if (ref.startsWith('#')) return m.contained?.find((c): c is Medication => c.resourceType === 'Medication' && c.id === ref.slice(1))?.code;
  return bundleMedications.get(ref.replace(/^.*\/(Medication\/)/, '$1'))?.code;
}

function drugsOf(cc: CodeableConcept | undefined, drugNames: ReadonlyMap<string, string>, names: readonly string[]): string[] {
  if (!cc) return [];
  const found = new Set<string>();
  for (const c of cc.coding ?? []) {
    const name = c.code !== undefined && (c.system ?? '').includes('rxnorm') ? drugNames.get(c.code) : undefined;
    if (name) found.add(name);
  }
  if (found.size > 0) return [...found];
  const text = [cc.text, ...(cc.coding ?? []).map((c) => c.display)].filter(Boolean).join(' ').toLowerCase();
  for (const n of names) if (new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text)) found.add(n);
  return [...found];
}

/**
 * The anticancer drugs drafted. For order-select, `selections` (`MedicationRequest/id`) narrows the
 * orders to the ones just selected; the rest of the draft is context.
 */
export function draftedDrugs(entries: readonly Entry[], drugNames: ReadonlyMap<string, string>, selections?: readonly string[]): DraftedDrugs {
  const names = [...new Set(drugNames.values())];
  const resources = entries.map((e) => e.resource).filter((r): r is NonNullable<Entry['resource']> => r !== undefined);
  const medications = new Map(resources.filter((r) => r.resourceType === 'Medication' && typeof r.id === 'string').map((r) => [`Medication/${r.id as string}`, r as unknown as Medication]));
  const selected = selections && selections.length > 0 ? new Set(selections) : undefined;
  const orders: string[] = [];
  const drugs = new Set<string>();
  for (const r of resources) {
    if (r.resourceType !== 'MedicationRequest') continue;
    const m = r as unknown as MedicationRequest;
    const ref = `MedicationRequest/${m.id ?? ''}`;
    if (selected && !selected.has(ref)) continue;
    const found = drugsOf(drugCode(m, medications), drugNames, names);
    if (found.length === 0) continue;
    orders.push(ref);
    found.forEach((d) => drugs.add(d));
  }
  return { orders, drugs: [...drugs].sort() };
}
