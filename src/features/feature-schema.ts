/**
 * Feature schemas: the versioned contract between the stored records and a model's input vector.
 * Each feature says what it is and how it is read; assembling a vector also says which inputs were
 * missing and what was put in their place, and every prediction reports that list.
 */
import type { ClinicalSummary } from '../clinical/mcode/types.ts';

export interface FeatureValue {
  value: number;
  /** set when the record did not hold this input; `value` is then the stated default */
  missing?: string;
}

export interface FeatureDefinition {
  name: string;
  description: string;
  /** reads the feature from a patient's clinical summary */
  read(summary: ClinicalSummary): FeatureValue;
}

export interface FeatureSchema {
  id: string;
  version: string;
  description: string;
  features: readonly FeatureDefinition[];
}

/** Per-feature centring and scaling learned on the training data, stored in the model card. */
export interface Standardisation {
  mean: number[];
  sd: number[];
}

export interface AssembledFeatures {
  schema: string;
  /** raw values, in schema order */
  raw: number[];
  /** standardised values, the model's input */
  values: number[];
  /** inputs the record lacked, with what was used instead */
  missing: { feature: string; reason: string }[];
}

/** Reads every feature of `schema` from a summary and standardises it. */
export function assembleFeatures(schema: FeatureSchema, summary: ClinicalSummary, standardisation: Standardisation): AssembledFeatures {
  const raw: number[] = [];
  const missing: { feature: string; reason: string }[] = [];
  for (const f of schema.features) {
    const v = f.read(summary);
    raw.push(v.value);
    if (v.missing) missing.push({ feature: f.name, reason: v.missing });
  }
  return { schema: `${schema.id}@${schema.version}`, raw, values: standardise(raw, standardisation), missing };
}

/** (x − mean) / sd per column, the same arithmetic in training and at inference; columns without statistics pass through. */
export function standardise(row: ArrayLike<number>, standardisation: Standardisation): number[] {
  return Array.from(row, (x, i) => (x - (standardisation.mean[i] ?? 0)) / (standardisation.sd[i] || 1));
}

/** Mean and population standard deviation of each column (a constant column gets sd 1). */
export function fitStandardisation(rows: readonly (readonly number[])[]): Standardisation {
  const p = rows[0]?.length ?? 0;
  const mean = Array.from({ length: p }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length);
  const sd = Array.from({ length: p }, (_, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / rows.length) || 1);
  return { mean, sd };
}
