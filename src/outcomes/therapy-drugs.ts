/**
 * The drugs of a reported therapy. The site's formulary (the regimens the response model knows,
 * RxNorm-coded in cohort/therapies.ts) is the same table site-data's outcome-labels.ts matches a
 * line's ingredients against, so a line recorded here reads back as the same regimen there.
 */
import { REGIMENS, type Regimen, type RegimenId } from '../cohort/therapies.ts';
import type { InputIssue } from '../errors/domain-error.ts';
import type { OutcomeInput } from './outcome-input.ts';

/** One ingredient, RxNorm-coded (https://www.nlm.nih.gov/research/umls/rxnorm/). */
export interface TherapyDrug {
  rxnorm: string;
  name?: string;
}

/** The therapy as it is written to the record and the label row. */
export interface ResolvedTherapy {
  /** the formulary regimen, when the drugs are exactly one */
  regimen?: RegimenId;
  /** for people: the regimen's name, the name given, or the codes */
  name: string;
  /** distinct ingredients, sorted by code */
  drugs: TherapyDrug[];
}

const byCode = (a: TherapyDrug, b: TherapyDrug) => (a.rxnorm < b.rxnorm ? -1 : a.rxnorm > b.rxnorm ? 1 : 0);

function findRegimen(text: string): Regimen | undefined {
  const key = text.trim().toLowerCase();
  for (const r of REGIMENS.values()) if (r.id === key || r.name.toLowerCase() === key) return r;
  return undefined;
}

/** The formulary regimen whose ingredients are exactly these codes (outcome-labels.ts's rule). */
function regimenOfCodes(codes: ReadonlySet<string>): Regimen | undefined {
  for (const r of REGIMENS.values()) if (r.drugs.length === codes.size && r.drugs.every((d) => codes.has(d.rxnorm))) return r;
  return undefined;
}

/** The therapy's drugs, or the located problems with it (an unknown regimen, codes that contradict it). */
export function resolveTherapy(therapy: OutcomeInput['therapy']): { therapy: ResolvedTherapy } | { issues: InputIssue[] } {
  const named = therapy.regimen !== undefined ? findRegimen(therapy.regimen) : undefined;
  if (therapy.regimen !== undefined && !named) {
    const known = [...REGIMENS.keys()].join(', ');
    return { issues: [{ expression: 'therapy.regimen', message: `unknown regimen; the formulary has ${known} (or give therapy.rxnorm)` }] };
  }
  const codes = new Set(therapy.rxnorm ?? named?.drugs.map((d) => d.rxnorm) ?? []);
  const regimen = named ?? regimenOfCodes(codes);
  if (named && regimenOfCodes(codes)?.id !== named.id) {
    return { issues: [{ expression: 'therapy.rxnorm', message: `the codes are not the ingredients of ${named.id} (${named.drugs.map((d) => d.rxnorm).join(', ')})` }] };
  }
  const names = new Map(regimen?.drugs.map((d) => [d.rxnorm, d.name]));
  const drugs = [...codes].map((rxnorm) => ({ rxnorm, ...(names.has(rxnorm) ? { name: names.get(rxnorm)! } : {}) })).sort(byCode);
  const name = regimen?.name ?? therapy.name ?? drugs.map((d) => `RxNorm ${d.rxnorm}`).join(' + ');
  return { therapy: { ...(regimen ? { regimen: regimen.id } : {}), name, drugs } };
}
