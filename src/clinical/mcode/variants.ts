import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { effectiveDate, hasCode, lookup, sourceOf } from './fhir-values.ts';
import type { GenomicVariantFinding } from './types.ts';

const SOURCE_CLASS: Record<string, string> = { 'LA6684-0': 'somatic', 'LA6683-2': 'germline', 'LA10429-1': 'fetal', 'LA18194-3': 'likely germline', 'LA18195-0': 'likely somatic' };
const SYMBOL = /^[A-Z][A-Z0-9-]{1,14}$/;

function text(c: ObservationComponent): string | undefined {
  const coding = c.valueCodeableConcept?.coding?.[0];
  return coding?.code ?? coding?.display ?? c.valueCodeableConcept?.text ?? c.valueString;
}

/** The HGNC symbol: from the id via the table, else a display or code that looks like a symbol. */
function geneOf(c: ObservationComponent, tables: McodeCodeTables): { gene?: string; hgncId?: string } {
  const coding = c.valueCodeableConcept?.coding?.[0];
  const code = coding?.code;
  const hgncId = code && /^HGNC:\d+$/.test(code) ? code : undefined;
  const gene =
    (hgncId ? tables.hgncSymbols.get(hgncId) : undefined) ??
    [coding?.display, code, c.valueCodeableConcept?.text, c.valueString].find((v): v is string => !!v && SYMBOL.test(v)) ??
    coding?.display ??
    c.valueString;
  return { ...(gene ? { gene } : {}), ...(hgncId ? { hgncId } : {}) };
}

/**
 * Genomic variants reported as observations coded 69548-6, read from their components by LOINC
 * code (genomics-reporting renamed the slices between versions; the codes stayed).
 */
export function mapVariants(observations: readonly Observation[], tables: McodeCodeTables): GenomicVariantFinding[] {
  const out: GenomicVariantFinding[] = [];
  for (const obs of observations) {
    if (!hasCode(obs.code, tables.observation.genomicVariant)) continue;
    if (hasCode(obs.valueCodeableConcept, tables.variantAbsent)) continue; // looked for, not found
    const v: GenomicVariantFinding = { source: sourceOf(obs) };
    const date = effectiveDate(obs);
    if (date) v.date = date;
    for (const c of obs.component ?? []) {
      const part = lookup(c.code, tables.variantComponents)?.value;
      const value = text(c);
      if (part === 'gene') Object.assign(v, geneOf(c, tables));
      else if (part === 'genomic' && value) {
        // the mCODE example puts a c. HGVS string in the genomic slot
        if (value.includes(':c.')) v.hgvsCoding ??= value;
        else v.hgvsGenomic = value;
      } else if (part === 'coding' && value) v.hgvsCoding = value;
      else if (part === 'protein' && value) v.hgvsProtein = value;
      else if (part === 'source') {
        const code = c.valueCodeableConcept?.coding?.[0]?.code;
        const label = (code && SOURCE_CLASS[code]) ?? c.valueCodeableConcept?.coding?.[0]?.display?.toLowerCase();
        if (label) v.genomicSource = label;
      } else if (part === 'alleleFrequency') {
        const af = c.valueQuantity?.value;
        if (typeof af === 'number') v.alleleFrequency = af;
      }
    }
    out.push(v);
  }
  return out;
}
