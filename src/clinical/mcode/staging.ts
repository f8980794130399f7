import type { CodeableConcept, Condition, Observation } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { codings, effectiveDate, lookup, sourceOf, toCode } from './fhir-values.ts';
import type { StageType, StageValue, Staging } from './types.ts';

const ROMAN = ['0', 'I', 'II', 'III', 'IV'];
const TYPE_RANK: Record<StageType, number> = { unspecified: 0, clinical: 1, pathologic: 2 };

/** `IIIC`, `3C`, `Stage 3A`, `c3A` → roman numerals with their letter (`IIIC`, `IIIA`). */
export function stageGroupLabel(text: string): string | undefined {
  const m = /(?:^|[\s(]|stage\s*|^[cpy])([0-4]|IV|I{1,3}|0)([A-C]?\d?)(?=$|[\s)])/i.exec(text.trim());
  if (!m) return undefined;
  const base = /^\d$/.test(m[1] as string) ? ROMAN[Number(m[1])] : (m[1] as string).toUpperCase();
  return `${base}${(m[2] ?? '').toUpperCase()}`;
}

/** `American Joint Committee on Cancer cT3`, `cT3`, `T1a`, `pN0(sn)` → `T3`, `T1a`, `N0` with the c/p prefix as a type. */
export function categoryLabel(text: string, letter: 'T' | 'N' | 'M'): { label: string; prefix?: string } | undefined {
  const re = new RegExp(`(?:^|[\\s(])([cpyra]{0,2})(${letter}(?:is|X|x|[0-4])[a-d]?[0-9]?(?:\\([a-z+]+\\))?)(?=$|[\\s)])`);
  const m = re.exec(text);
  if (!m) return undefined;
  return { label: (m[2] as string).replace(/\(.*\)$/, ''), ...(m[1] ? { prefix: m[1] } : {}) };
}

function labelOf(value: CodeableConcept | undefined, kind: keyof McodeCodeTables['staging']): { label: string; prefix?: string } | undefined {
  for (const c of codings(value)) {
    for (const text of [c.code, c.display]) {
      if (!text) continue;
      const found = kind === 'group' ? (() => { const l = stageGroupLabel(text); return l ? { label: l } : undefined; })() : categoryLabel(text, kind.toUpperCase() as 'T' | 'N' | 'M');
      if (found) return found;
    }
  }
  const text = value?.text;
  if (!text) return undefined;
  if (kind === 'group') {
    const l = stageGroupLabel(text);
    return l ? { label: l } : undefined;
  }
  return categoryLabel(text, kind.toUpperCase() as 'T' | 'N' | 'M');
}

function typeOf(declared: StageType, prefix: string | undefined): StageType {
  if (declared !== 'unspecified') return declared;
  if (prefix?.includes('p')) return 'pathologic';
  if (prefix?.includes('c')) return 'clinical';
  return declared;
}

/** The most recent value; undated ones lose to dated ones, and pathologic beats clinical on a tie. */
function pickLatest(values: readonly StageValue[]): StageValue | undefined {
  const key = (v: StageValue) => {
    const t = Date.parse(v.date ?? '');
    return [Number.isNaN(t) ? -Infinity : t, TYPE_RANK[v.type]] as const;
  };
  let best: StageValue | undefined;
  for (const v of values) {
    if (!best) {
      best = v;
      continue;
    }
    const [t, r] = key(v);
    const [bt, br] = key(best);
    if (t > bt || (t === bt && r > br)) best = v;
  }
  return best;
}

/**
 * TNM categories and stage group from observations coded with the SNOMED or LOINC staging codes.
 * For each part the most recent observation wins; on the same date a pathologic one beats a
 * clinical one. Without a stage-group observation, the primary cancer's `stage.summary` is used.
 */
export function mapStaging(observations: readonly Observation[], tables: McodeCodeTables, primary?: Condition): Staging {
  const staging: Staging = {};
  for (const kind of ['group', 't', 'n', 'm'] as const) {
    const found: StageValue[] = [];
    for (const obs of observations) {
      const hit = lookup(obs.code, tables.staging[kind]);
      if (!hit) continue;
      const label = labelOf(obs.valueCodeableConcept, kind);
      const code = toCode(obs.valueCodeableConcept?.coding?.[0]);
      if (!label || !code) continue;
      const date = effectiveDate(obs);
      found.push({ label: label.label, code, type: typeOf(hit.value, label.prefix), source: sourceOf(obs), ...(date ? { date } : {}) });
      if (kind === 'group' && obs.method && !staging.method) staging.method = toCode(obs.method.coding?.[0]) ?? {};
    }
    const latest = pickLatest(found);
    if (latest) staging[kind] = latest;
  }
  if (!staging.group && primary) {
    for (const st of primary.stage ?? []) {
      const label = labelOf(st.summary, 'group');
      const code = toCode(st.summary?.coding?.[0]);
      if (label && code) {
        staging.group = { label: label.label, code, type: typeOf('unspecified', label.prefix), source: sourceOf(primary) };
        break;
      }
    }
  }
  return staging;
}
