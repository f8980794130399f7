/**
 * zod schemas of the leaves of the CTML-like eligibility JSON. Field names are Sangam's; values
 * follow CTML where it has a convention: comparisons as strings (`'>=18'`), cancer types negated
 * with `!` and the `_SOLID_` / `_LIQUID_` meta-values (MatchMiner `matchengine_v1/schema.py`).
 */
import { z } from 'zod';
import { shortProteinChange } from '../../genomics/protein-change.ts';
import { CANCER_TYPE_KEYS, cancerTypeForName } from './cancer-types.ts';
import { checkFhirPath, MAX_FHIRPATH_LENGTH } from '../evaluate/fhirpath-criterion.ts';
import { VARIANT_CATEGORIES, type NumberRange } from './types.ts';

const COMPARISON = /^\s*(>=|<=|>|<|=)?\s*(\d+(?:\.\d+)?)\s*$/;

/** `'>=18'`, `'<=1'`, `'2'` or `{ min, max }` as an inclusive range; strict `>`/`<` only for whole numbers. */
function rangeOf(integer: boolean, lo: number, hi: number) {
  const bound = integer ? z.number().int().min(lo).max(hi) : z.number().min(lo).max(hi);
  return z
    .union([z.string(), z.number(), z.strictObject({ min: bound.optional(), max: bound.optional() })])
    .transform((v, ctx): NumberRange => {
      if (typeof v === 'object') {
        if (v.min === undefined && v.max === undefined) ctx.addIssue({ code: 'custom', message: 'give min, max or both' });
        if (v.min !== undefined && v.max !== undefined && v.min > v.max) ctx.addIssue({ code: 'custom', message: 'min is above max' });
        return { ...(v.min !== undefined ? { min: v.min } : {}), ...(v.max !== undefined ? { max: v.max } : {}) };
      }
      const m = COMPARISON.exec(String(v));
      const n = Number(m?.[2]);
      if (!m || n < lo || n > hi || (integer && !Number.isInteger(n))) {
        ctx.addIssue({ code: 'custom', message: `expected a comparison such as '>=${lo}' or '<=${hi}'${integer ? ' on a whole number' : ''}` });
        return z.NEVER;
      }
      const op = m[1] ?? '=';
      if ((op === '>' || op === '<') && !integer) {
        ctx.addIssue({ code: 'custom', message: 'use >= or <= (thresholds are inclusive)' });
        return z.NEVER;
      }
      if (op === '>=') return { min: n };
      if (op === '>') return { min: n + 1 };
      if (op === '<=') return { max: n };
      if (op === '<') return { max: n - 1 };
      return { min: n, max: n };
    });
}

const lowerEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s) => s.trim().toLowerCase()).pipe(z.enum(values));

const ROMAN: Record<string, number> = { '0': 0, I: 1, II: 2, III: 3, IV: 4, '1': 1, '2': 2, '3': 3, '4': 4 };

const StageGroup = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const key = String(v).trim().toUpperCase().replace(/^STAGE\s*/, '');
  const group = ROMAN[key];
  if (group === undefined) {
    ctx.addIssue({ code: 'custom', message: 'stage criteria name main groups: 0, I, II, III or IV' });
    return z.NEVER;
  }
  return group;
});

const CancerType = z.string().transform((raw, ctx) => {
  const negated = raw.trim().startsWith('!');
  const name = raw.trim().replace(/^!\s*/, '');
  if (name === '_SOLID_' || name === '_LIQUID_') return { value: name === '_SOLID_' ? 'solid' : 'liquid', meta: true, negated };
  const type = cancerTypeForName(name);
  if (!type) {
    ctx.addIssue({ code: 'custom', message: `unknown cancer type "${name.slice(0, 60)}"; use _SOLID_, _LIQUID_ or one of ${CANCER_TYPE_KEYS.join(', ')}` });
    return z.NEVER;
  }
  return { value: type, meta: false, negated };
});

export const ClinicalLeafSchema = z
  .strictObject({
    age: rangeOf(true, 0, 130).optional(),
    sex: lowerEnum(['female', 'male']).optional(),
    cancerType: CancerType.optional(),
    stage: z.union([StageGroup, z.array(StageGroup).min(1)]).optional(),
    ecog: rangeOf(true, 0, 5).optional(),
    priorLines: rangeOf(true, 0, 20).optional(),
    er: lowerEnum(['positive', 'negative']).optional(),
    pr: lowerEnum(['positive', 'negative']).optional(),
    her2: lowerEnum(['positive', 'negative']).optional(),
    msi: z.string().transform((s) => s.trim().toUpperCase()).pipe(z.enum(['MSI-H', 'MSI-L', 'MSS'])).optional(),
    tmb: rangeOf(false, 0, 10_000).optional(),
  })
  .refine((o) => Object.keys(o).length > 0, 'a clinical leaf needs at least one field');

export type ClinicalLeafInput = z.infer<typeof ClinicalLeafSchema>;

/**
 * The canonical short protein change both sides of a comparison use: one-letter amino acids
 * upper-case, HGVS operation words lower-case (`p.Glu746_Ala750del` and `E746_A750DEL` →
 * `p.E746_A750del`).
 */
export function canonicalProteinChange(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const bare = text.trim().replace(/^.*:(?=p\.)/, '');
  const short = shortProteinChange(bare.startsWith('p.') ? bare : `p.${bare}`);
  if (!short) return undefined;
  const body = short.slice(2).toUpperCase().replace(/DELINS|DEL|INS|DUP|FS|EXT/g, (m) => m.toLowerCase());
  return /^[A-Z*]\d+/.test(body) ? `p.${body}` : undefined;
}

export const GenomicLeafSchema = z
  .strictObject({
    gene: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,19}$/, 'an HGNC symbol such as EGFR')
      .transform((g) => g.toUpperCase()),
    proteinChange: z
      .string()
      .max(80)
      .transform((p, ctx) => canonicalProteinChange(p) ?? (ctx.addIssue({ code: 'custom', message: 'not a protein change such as p.L858R' }), z.NEVER))
      .optional(),
    variantCategory: lowerEnum(VARIANT_CATEGORIES).optional(),
    exon: z.number().int().min(1).max(400).optional(),
    wildtype: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.wildtype && (o.proteinChange || o.exon !== undefined || o.variantCategory)) {
      ctx.addIssue({ code: 'custom', path: ['wildtype'], message: 'wild type is gene-level: no protein change, exon or category with it' });
    }
    const category = o.variantCategory ?? 'mutation';
    if ((o.proteinChange || o.exon !== undefined) && category !== 'mutation' && category !== 'any') {
      ctx.addIssue({ code: 'custom', path: ['variantCategory'], message: 'a protein change or exon belongs to a mutation' });
    }
  });

export type GenomicLeafInput = z.infer<typeof GenomicLeafSchema>;

export const FhirPathLeafSchema = z
  .strictObject({
    expression: z.string().min(1).max(MAX_FHIRPATH_LENGTH),
    description: z.string().min(1).max(500),
  })
  .superRefine((o, ctx) => {
    const problem = checkFhirPath(o.expression);
    if (problem) ctx.addIssue({ code: 'custom', path: ['expression'], message: problem });
  });
