import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CancerClass } from './types.ts';

const FileSchema = z.object({
  types: z.record(z.string().regex(/^[a-z]+$/), z.object({ class: z.enum(['solid', 'liquid']), names: z.array(z.string().min(1)) })),
});

const FILE = new URL('./cancer-types.json', import.meta.url);
const parsed = FileSchema.parse(JSON.parse(readFileSync(FILE, 'utf8')));

const classOf = new Map<string, CancerClass>(Object.entries(parsed.types).map(([k, v]) => [k, v.class]));
const byName = new Map<string, string>();
for (const [key, t] of Object.entries(parsed.types)) {
  byName.set(key, key);
  for (const n of t.names) byName.set(n.toLowerCase(), key);
}

/** The coarse types eligibility may name (the keys of cancer-types.json). */
export const CANCER_TYPE_KEYS: readonly string[] = [...classOf.keys()];

/**
 * Sangam's coarse type for a name an eligibility file or a ResearchStudy condition uses
 * (`Invasive Breast Carcinoma` → `breast`), or undefined when the name is not in the table.
 */
export function cancerTypeForName(name: string): string | undefined {
  return byName.get(name.trim().toLowerCase());
}

/** Solid or liquid, for CTML's `_SOLID_` / `_LIQUID_`; undefined for a type the table does not know. */
export function cancerClassOf(type: string | null | undefined): CancerClass | undefined {
  return type ? classOf.get(type) : undefined;
}
