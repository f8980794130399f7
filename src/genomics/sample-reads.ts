/**
 * Which column is the tumour, and the allele fraction and depth of each call in it, read the way
 * each caller writes them.
 */
import type { SampleData, Variant } from '@gmod/vcf';

export interface ReadSupport {
  vaf?: number;
  depth?: number;
  altDepth?: number;
  /** where the numbers came from, for the import report */
  from: 'AD' | 'AF' | 'FA' | 'strelka-snv' | 'strelka-indel' | 'info' | 'none';
}

export class SampleChoiceError extends Error {}

/** The largest read count (and position) that can be stored: PostgreSQL's int, 2^31 - 1. */
export const MAX_STORED_INT = 2_147_483_647;

/** A depth or allele depth that cannot be stored as a read count; the message names the field. */
export class ReadCountError extends Error {}

/** `value` as a read count, or a ReadCountError naming `field`: a whole number that fits PostgreSQL's int. */
function storable(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) throw new ReadCountError(`${field} ${value} is not a whole number of reads`);
  if (value > MAX_STORED_INT || value < -MAX_STORED_INT - 1) throw new ReadCountError(`${field} ${value} is above ${MAX_STORED_INT}, the largest read count stored`);
  return value;
}

/** The support with its depths checked; `depth` and `altDepth` name where each came from. */
function checked(support: ReadSupport, depth: string, altDepth: string): ReadSupport {
  storable(support.depth, depth);
  storable(support.altDepth, altDepth);
  return support;
}

/**
 * The tumour column: the one named by the caller, else `##tumor_sample`, else a column called
 * TUMOR (any case), else the only column. Several columns and no way to tell is an error.
 */
export function chooseTumourSample(samples: readonly string[], headerTumour: string | undefined, requested: string | undefined): string | undefined {
  if (requested !== undefined) {
    if (!samples.includes(requested)) {
      throw new SampleChoiceError(`sample "${requested}" is not in the file; its columns are ${samples.map((s) => `"${s}"`).join(', ') || 'none'}`);
    }
    return requested;
  }
  if (headerTumour !== undefined) {
    if (!samples.includes(headerTumour)) throw new SampleChoiceError(`##tumor_sample names "${headerTumour}", which is not a column of the file`);
    return headerTumour;
  }
  const named = samples.filter((s) => s.toUpperCase() === 'TUMOR' || s.toUpperCase() === 'TUMOUR');
  if (named.length === 1) return named[0];
  if (samples.length === 1) return samples[0];
  if (samples.length === 0) return undefined;
  throw new SampleChoiceError(`cannot tell which of the columns ${samples.map((s) => `"${s}"`).join(', ')} is the tumour; name it explicitly`);
}

/** INFO tags that carry the tumour's allele fraction and depth, when the FORMAT columns do not (PCGR's TVAF/TDP). */
export interface InfoTags {
  af: string;
  dp: string;
}

const BASE_COUNTS: Readonly<Record<string, string>> = { A: 'AU', C: 'CU', G: 'GU', T: 'TU' };

/** A number, also from a string: fields the header does not declare come through untyped. */
function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function first(values: (string | number | undefined)[] | undefined): number | undefined {
  return num(values?.[0]);
}

/** The tumour column's FORMAT values; parse once per record (@gmod/vcf does not cache them). */
export function tumourData(v: Variant, sample: string | undefined): SampleData | undefined {
  return sample ? v.SAMPLES()[sample] : undefined;
}

/**
 * Allele fraction and depth of `altIndex` (0-based among ALTs) in the tumour column's `data`:
 * - AD (ref, alt1, alt2, ...): alt / sum of AD; depth is DP when given, else the AD sum (vcf2maf's rule);
 * - AF or FA when there is no AD;
 * - Strelka SNVs (no GT, no AD): tier-1 counts of the ALT base over the tier-1 counts of all four bases;
 * - Strelka indels: TIR over TAR + TIR, tier 1;
 * - INFO tags (PCGR's TVAF/TDP) when the record carries them and no column does.
 * Throws ReadCountError when the depth or allele depth is not a whole number that PostgreSQL's int holds.
 */
export function readSupport(v: Variant, data: SampleData | undefined, altIndex: number, alt: string, info: InfoTags | undefined): ReadSupport {
  if (data) {
    const dp = first(data.DP);
    const ad = data.AD;
    if (ad && ad.length > altIndex + 1) {
      const counts = ad.map((x) => num(x) ?? 0);
      const altDepth = counts[altIndex + 1] as number;
      const total = counts.reduce((a, b) => a + b, 0);
      return checked({ altDepth, depth: dp ?? total, ...(total > 0 ? { vaf: altDepth / total } : {}), from: 'AD' }, dp !== undefined ? 'DP' : 'the sum of AD', 'AD');
    }
    for (const tag of ['AF', 'FA'] as const) {
      const af = num(data[tag]?.[altIndex]);
      if (af !== undefined) return checked({ vaf: af, ...(dp !== undefined ? { depth: dp, altDepth: Math.round(af * dp) } : {}), from: tag }, 'DP', `${tag} × DP`);
    }
    const tierOne = BASE_COUNTS[alt];
    if (tierOne && data[tierOne] && data.AU && data.CU && data.GU && data.TU) {
      const altDepth = first(data[tierOne]) ?? 0;
      const depth = ['AU', 'CU', 'GU', 'TU'].reduce((a, k) => a + (first(data[k]) ?? 0), 0);
      return checked({ altDepth, depth, ...(depth > 0 ? { vaf: altDepth / depth } : {}), from: 'strelka-snv' }, 'the sum of AU, CU, GU and TU', tierOne);
    }
    if (data.TIR && data.TAR) {
      const altDepth = first(data.TIR) ?? 0;
      const depth = altDepth + (first(data.TAR) ?? 0);
      return checked({ altDepth, depth, ...(depth > 0 ? { vaf: altDepth / depth } : {}), from: 'strelka-indel' }, 'TIR + TAR', 'TIR');
    }
  }
  if (info) {
    const af = num((v.INFO[info.af] as unknown[] | undefined)?.[altIndex] ?? (v.INFO[info.af] as unknown[] | undefined)?.[0]);
    const dp = num((v.INFO[info.dp] as unknown[] | undefined)?.[0]);
    if (af !== undefined || dp !== undefined) {
      return checked(
        { ...(af !== undefined ? { vaf: af } : {}), ...(dp !== undefined ? { depth: dp } : {}), ...(af !== undefined && dp !== undefined ? { altDepth: Math.round(af * dp) } : {}), from: 'info' },
        `INFO ${info.dp}`,
        `INFO ${info.af} × ${info.dp}`,
      );
    }
  }
  return { from: 'none' };
}
