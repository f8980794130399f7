import { readFileSync } from 'node:fs';
import { z } from 'zod';

const CodeMap = <T extends z.ZodType>(value: T) =>
  z.record(z.string(), z.unknown()).transform((rec) => {
    // keys starting with _ are notes for people
    const out = new Map<string, z.infer<T>>();
    for (const [k, v] of Object.entries(rec)) if (!k.startsWith('_')) out.set(k, value.parse(v));
    return out;
  });

const StageType = z.enum(['clinical', 'pathologic', 'unspecified']);

const TablesSchema = z.object({
  observation: z.object({
    ecog: z.array(z.string()),
    karnofsky: z.array(z.string()),
    diseaseStatus: z.array(z.string()),
    genomicVariant: z.array(z.string()),
  }),
  ecogAnswers: CodeMap(z.number().int().min(0).max(5)),
  staging: z.object({ group: CodeMap(StageType), t: CodeMap(StageType), n: CodeMap(StageType), m: CodeMap(StageType) }),
  tumorMarkers: CodeMap(z.enum(['ER', 'PR', 'HER2', 'MSI', 'TMB', 'PDL1', 'KI67'])),
  markerStatus: CodeMap(z.enum(['positive', 'negative', 'equivocal', 'high', 'low', 'stable', 'unknown'])),
  variantComponents: CodeMap(z.enum(['gene', 'genomic', 'coding', 'protein', 'source', 'alleleFrequency'])),
  diseaseStatus: CodeMap(z.enum(['improved', 'stable', 'worsened', 'undetermined', 'remission', 'relapse'])),
  primaryCancerSnomed: CodeMap(z.string()),
  secondaryCancerSnomed: z.array(z.string()).transform((a) => new Set(a)),
  icd10CancerTypes: CodeMap(z.string()),
  bodySites: CodeMap(z.string()),
  antineoplasticRxnorm: CodeMap(z.string()),
  hgncSymbols: CodeMap(z.string()),
  /** LOINC answers meaning the variant was looked for and not found */
  variantAbsent: z.array(z.string()),
});

/** The code lists the mapper reads, loaded from `fhir/codes/mcode-codes.json`. */
export type McodeCodeTables = z.infer<typeof TablesSchema>;

export const CODES_FILE = new URL('../../../fhir/codes/mcode-codes.json', import.meta.url);

/** Loads and checks the code tables; a malformed table fails at start-up with the path of the bad value. */
export function loadCodeTables(file: URL | string = CODES_FILE): McodeCodeTables {
  const parsed = TablesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`invalid code table ${String(file)} at ${i?.path.join('.')}: ${i?.message}`);
  }
  return parsed.data;
}
