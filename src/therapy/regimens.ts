/**
 * The therapies of a CIViC evidence item as regimens. CIViC's `therapy_interaction_type`
 * (https://civic.readthedocs.io/en/latest/model/evidence/therapy.html) says how several therapies
 * relate: a Combination is one regimen given together, Substitutes are alternatives the evidence
 * supports each of, and Sequential is one regimen given in order.
 */

export type RegimenKind = 'single' | 'combination' | 'sequential';

export interface Regimen {
  /** display name: CIViC's therapy names, a combination's sorted and joined by ` + `, a sequence's in order by ` then ` */
  name: string;
  /** the name lower-cased: the same regimen from two items has the same key */
  key: string;
  kind: RegimenKind;
  /** CIViC therapy names; a combination's sorted, a sequence's in the order given */
  drugs: string[];
}

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

function regimen(kind: RegimenKind, drugs: string[]): Regimen {
  const name = drugs.join(kind === 'sequential' ? ' then ' : ' + ');
  return { name, key: name.toLowerCase(), kind, drugs };
}

/**
 * CIViC's comma-joined therapy list as names. Some names hold a comma themselves
 * (`2,4-pyrimidinediamine`, `HER2 Inhibitor CP-724,714`, `FGF/VEGF Receptor Tyrosine Kinase
 * Inhibitor, PD173074`), and CIViC joins names with a bare comma before a letter, so only such a
 * comma separates.
 */
export function splitTherapies(therapies: string): string[] {
  return [...new Set(therapies.split(/,(?=[^\s\d])/).map((t) => t.trim()).filter(Boolean))];
}

/** The regimens an item's `therapies` and `therapy_interaction_type` describe (none for an empty list). */
export function regimensOf(therapies: string, interaction: '' | 'Combination' | 'Substitutes' | 'Sequential'): Regimen[] {
  const drugs = splitTherapies(therapies);
  if (drugs.length === 0) return [];
  if (drugs.length === 1) return [regimen('single', drugs)];
  switch (interaction) {
    case 'Combination':
      return [regimen('combination', drugs.sort(byName))];
    case 'Sequential':
      return [regimen('sequential', drugs)];
    default:
      // Substitutes; the row schema refuses several therapies with no interaction type
      return drugs.map((d) => regimen('single', [d]));
  }
}
