import type { CodeableConcept, Coding, Extension, Observation, Resource } from '@medplum/fhirtypes';
import type { Code, SourceRef } from './types.ts';

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';

/** Where a derived value came from. */
export function sourceOf(resource: Resource): SourceRef {
  return { resourceType: resource.resourceType, id: resource.id ?? '' };
}

/** A Coding as a plain Code (only the fields that are present). */
export function toCode(c: Coding | undefined): Code | undefined {
  if (!c) return undefined;
  const out: Code = {};
  if (c.system) out.system = c.system;
  if (c.code) out.code = c.code;
  if (c.display) out.display = c.display;
  return out;
}

export function codings(cc: CodeableConcept | undefined): Coding[] {
  return cc?.coding ?? [];
}

/** The first coding of `cc` whose code is a key of `table` (any system), with the table's value. */
export function lookup<T>(cc: CodeableConcept | undefined, table: ReadonlyMap<string, T>): { coding: Coding; value: T } | undefined {
  for (const c of codings(cc)) {
    if (c.code !== undefined && table.has(c.code)) return { coding: c, value: table.get(c.code) as T };
  }
  return undefined;
}

export function hasCode(cc: CodeableConcept | undefined, codes: readonly string[]): boolean {
  return codings(cc).some((c) => c.code !== undefined && codes.includes(c.code));
}

/** The extension whose URL ends with `/name` (or is `name`), wherever the IG that defined it lives. */
export function extensionNamed(extensions: readonly Extension[] | undefined, name: string): Extension | undefined {
  return extensions?.find((e) => e.url === name || e.url.endsWith(`/${name}`));
}

/** effective[x] of an observation: the dateTime, the instant, or the start of the period. */
export function effectiveDate(obs: Observation): string | undefined {
  return obs.effectiveDateTime ?? obs.effectiveInstant ?? obs.effectivePeriod?.start ?? obs.issued;
}

/** Sorts by date, undated last, keeping the input order among equals. */
export function byDate<T>(items: T[], dateOf: (t: T) => string | undefined): T[] {
  return items
    .map((item, i) => ({ item, i, t: Date.parse(dateOf(item) ?? '') }))
    .sort((a, b) => (Number.isNaN(a.t) ? 1 : 0) - (Number.isNaN(b.t) ? 1 : 0) || (a.t - b.t || 0) || a.i - b.i)
    .map((x) => x.item);
}

/** Whole years from `birth` to `at` (dates or dateTimes), counting a birthday only once it is reached. */
export function ageInYears(birth: string, at: string): number | undefined {
  const b = /^(\d{4})-(\d{2})-(\d{2})/.exec(birth);
  const a = /^(\d{4})-(\d{2})-(\d{2})/.exec(at);
  if (!b || !a) return undefined;
  const [by, bm, bd] = [Number(b[1]), Number(b[2]), Number(b[3])];
  const [ay, am, ad] = [Number(a[1]), Number(a[2]), Number(a[3])];
  const age = ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
  return age >= 0 ? age : undefined;
}
