import type { Criterion, NumberRange } from './types.ts';

const ROMAN = ['0', 'I', 'II', 'III', 'IV'];

function range(r: NumberRange, unit = ''): string {
  const u = unit ? ` ${unit}` : '';
  if (r.min !== undefined && r.max !== undefined) return r.min === r.max ? `${r.min}${u}` : `${r.min}–${r.max}${u}`;
  if (r.min !== undefined) return `≥ ${r.min}${u}`;
  if (r.max !== undefined) return `≤ ${r.max}${u}`;
  return 'any';
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** The sentence a clinician reads for one criterion ("Age ≥ 18 years", "EGFR p.L858R mutation"). */
export function describeCriterion(c: Criterion): string {
  switch (c.kind) {
    case 'age':
      return `Age ${range(c.range, 'years')}`;
    case 'sex':
      return `Sex: ${c.sex}`;
    case 'cancerType':
      if (c.meta) return c.negated ? `Not a ${c.value} tumour` : `Solid or liquid: ${c.value} tumour`;
      return c.negated ? `Cancer type: not ${c.value}` : `Cancer type: ${c.value}`;
    case 'stage':
      return `Stage ${orList(c.groups.map((g) => ROMAN[g] ?? String(g)))}`;
    case 'ecog':
      return `ECOG performance status ${range(c.range)}`;
    case 'priorLines':
      return `Prior lines of systemic therapy ${range(c.range)}`;
    case 'receptor':
      return `${c.marker} ${c.status}`;
    case 'msi':
      return `Microsatellite status ${c.status}`;
    case 'tmb':
      return `Tumour mutational burden ${range(c.range, 'mut/Mb')}`;
    case 'genomic': {
      if (c.wildtype) return `${c.gene} wild type`;
      const parts = [c.gene];
      if (c.exon !== undefined) parts.push(`exon ${c.exon}`);
      if (c.proteinChange) parts.push(c.proteinChange);
      parts.push(c.category === 'any' ? 'alteration' : c.category);
      return parts.join(' ');
    }
    case 'fhirpath':
    case 'unmapped':
      return c.description;
  }
}
