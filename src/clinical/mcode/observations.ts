import type { Observation } from '@medplum/fhirtypes';
import type { McodeCodeTables } from './code-tables.ts';
import { effectiveDate, hasCode, lookup, sourceOf, toCode } from './fhir-values.ts';
import type { Derived, DiseaseStatus, TumorMarker } from './types.ts';

function withDate<T>(value: T, obs: Observation): Derived<T> {
  const date = effectiveDate(obs);
  return { value, source: sourceOf(obs), ...(date ? { date } : {}) };
}

/** The most recent of several dated values (undated ones only when nothing is dated). */
function latest<T>(values: Derived<T>[]): Derived<T> | undefined {
  let best: Derived<T> | undefined;
  let bestT = -Infinity;
  for (const v of values) {
    const t = Date.parse(v.date ?? '');
    const key = Number.isNaN(t) ? -Infinity : t;
    if (!best || key > bestT) {
      best = v;
      bestT = key;
    }
  }
  return best;
}

/** A score from valueInteger, valueQuantity or a LOINC answer code in the value or interpretation. */
function score(obs: Observation, answers?: ReadonlyMap<string, number>): number | undefined {
  if (typeof obs.valueInteger === 'number') return obs.valueInteger;
  if (typeof obs.valueQuantity?.value === 'number') return obs.valueQuantity.value;
  if (answers) {
    const hit = lookup(obs.valueCodeableConcept, answers) ?? obs.interpretation?.map((i) => lookup(i, answers)).find(Boolean);
    if (hit) return hit.value;
  }
  return undefined;
}

/** Latest ECOG (89247-1, 0-5) and Karnofsky (89243-0, 0-100) scores. */
export function mapPerformance(observations: readonly Observation[], tables: McodeCodeTables): { ecog?: Derived<number>; karnofsky?: Derived<number> } {
  const ecog: Derived<number>[] = [];
  const karnofsky: Derived<number>[] = [];
  for (const obs of observations) {
    if (hasCode(obs.code, tables.observation.ecog)) {
      const v = score(obs, tables.ecogAnswers);
      if (v !== undefined && Number.isInteger(v) && v >= 0 && v <= 5) ecog.push(withDate(v, obs));
    } else if (hasCode(obs.code, tables.observation.karnofsky)) {
      const v = score(obs);
      if (v !== undefined && v >= 0 && v <= 100) karnofsky.push(withDate(Math.round(v), obs));
    }
  }
  const e = latest(ecog);
  const k = latest(karnofsky);
  return { ...(e ? { ecog: e } : {}), ...(k ? { karnofsky: k } : {}) };
}

const STATUS_WORDS: Record<string, TumorMarker['status']> = { positive: 'positive', negative: 'negative', equivocal: 'equivocal', high: 'high', low: 'low', stable: 'stable' };

/** Tumour markers (ER, PR, HER2, MSI, TMB, ...) by LOINC code, with status and value as given. */
export function mapTumorMarkers(observations: readonly Observation[], tables: McodeCodeTables): TumorMarker[] {
  const out: TumorMarker[] = [];
  for (const obs of observations) {
    const hit = lookup(obs.code, tables.tumorMarkers);
    if (!hit) continue;
    const marker: TumorMarker = { marker: hit.value, code: toCode(hit.coding) ?? {}, source: sourceOf(obs) };
    const date = effectiveDate(obs);
    if (date) marker.date = date;
    const status =
      lookup(obs.valueCodeableConcept, tables.markerStatus)?.value ??
      obs.interpretation?.map((i) => lookup(i, tables.markerStatus)?.value).find(Boolean) ??
      STATUS_WORDS[(obs.valueString ?? obs.valueCodeableConcept?.text ?? '').toLowerCase().split(/\s/)[0] ?? ''];
    if (status) marker.status = status;
    if (typeof obs.valueQuantity?.value === 'number') {
      marker.quantity = { value: obs.valueQuantity.value, ...(obs.valueQuantity.unit ? { unit: obs.valueQuantity.unit } : {}) };
    }
    const valueCode = toCode(obs.valueCodeableConcept?.coding?.[0]);
    if (valueCode) marker.valueCode = valueCode;
    if (obs.valueString) marker.valueText = obs.valueString;
    out.push(marker);
  }
  return out;
}

/** Cancer disease status (97509-4) over time, oldest first. */
export function mapDiseaseStatus(observations: readonly Observation[], tables: McodeCodeTables): DiseaseStatus[] {
  const out: DiseaseStatus[] = [];
  for (const obs of observations) {
    if (!hasCode(obs.code, tables.observation.diseaseStatus)) continue;
    const hit = lookup(obs.valueCodeableConcept, tables.diseaseStatus);
    const date = effectiveDate(obs);
    out.push({
      trend: hit?.value ?? 'other',
      code: toCode(hit?.coding ?? obs.valueCodeableConcept?.coding?.[0]) ?? {},
      source: sourceOf(obs),
      ...(date ? { date } : {}),
    });
  }
  return out.sort((a, b) => (Date.parse(a.date ?? '') || 0) - (Date.parse(b.date ?? '') || 0));
}
