import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { InputIssue } from '../../errors/domain-error.ts';
import { bundleIndexOf, issueAt, type InputEntry } from './bundle-input.ts';

/** FHIR id: 1-64 of [A-Za-z0-9-.] (http://hl7.org/fhir/R4/datatypes.html#id). */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** An entry once the site has given its resource an id and rewritten its references. */
export interface ResolvedEntry {
  index: number;
  root: string;
  resource: Resource & { id: string };
  /** the patient whose compartment the resource belongs to */
  patientId?: string;
}

export interface ResolveResult {
  entries: ResolvedEntry[];
  /** entries that repeat an earlier one word for word: stored once, answered with that resource */
  aliases: { index: number; key: string }[];
  /** `Patient/<id>` references that are not in the Bundle: they must already be stored */
  externalPatientRefs: Map<string, { entry?: number; expression: string }>;
  errors: InputIssue[];
  warnings: InputIssue[];
}

/**
 * The id an entry's resource is stored under: PUT url, then resource.id, then a urn:uuid fullUrl,
 * then a new UUID. An id that is not a FHIR id, or that contradicts the PUT url, is an error.
 */
function chooseId(entry: InputEntry, errors: InputIssue[]): string | undefined {
  const own = entry.resource.id;
  if (own !== undefined && (typeof own !== 'string' || !FHIR_ID.test(own))) {
    errors.push(issueAt(entry, '.id', 'not a FHIR id (1-64 of A-Z a-z 0-9 - .)'));
    return undefined;
  }
  if (entry.putId) {
    if (own !== undefined && own !== entry.putId) {
      errors.push(issueAt(entry, '.id', `resource id ${own} does not match the PUT url id ${entry.putId}`));
      return undefined;
    }
    return entry.putId;
  }
  if (own) return own;
  const uuid = /^urn:uuid:([0-9a-fA-F-]{36})$/.exec(entry.fullUrl ?? '');
  return uuid?.[1] ?? randomUUID();
}

/** `http://ehr/fhir/Patient/a1/_history/3` → `Patient/a1`. */
function trailingReference(url: string): string | undefined {
  const m = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The elements whose reference puts a resource in a patient's compartment. */
const COMPARTMENT_FIELDS = ['subject', 'patient', 'beneficiary'] as const;

/** The patient whose compartment a resource belongs to. */
function compartmentPatient(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const r = resource as unknown as Record<string, { reference?: unknown } | undefined>;
  for (const field of COMPARTMENT_FIELDS) {
    const ref = r[field]?.reference;
    if (typeof ref === 'string' && ref.startsWith('Patient/')) return ref.slice('Patient/'.length).split('/')[0];
  }
  return undefined;
}

/**
 * Gives every entry an id and resolves references within the Bundle: `urn:uuid:` and absolute
 * fullUrls become `Type/id`. A `urn:` subject/patient reference with no entry, or a `#id` with no
 * contained resource, is an error; other `urn:` references with no entry are warnings. References to other resource types that are neither in the Bundle nor
 * resolvable here are kept as they are and reported as warnings; references to a Patient outside
 * the Bundle are returned so the caller can check them against the store.
 */
export function resolveReferences(input: readonly InputEntry[]): ResolveResult {
  const errors: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  const byFullUrl = new Map<string, string>();
  const byKey = new Map<string, InputEntry>();
  const kept: { entry: InputEntry; id: string }[] = [];
  const aliases: { index: number; key: string }[] = [];

  for (const entry of input) {
    let id = chooseId(entry, errors);
    if (id === undefined) continue;
    const key = `${entry.resource.resourceType}/${id}`;
    const earlier = byKey.get(key);
    if (earlier) {
      if (sameJson(earlier.resource, entry.resource)) {
        warnings.push({ entry: entry.index, expression: `Bundle.entry[${entry.index}]`, message: `duplicate of entry ${earlier.index}; stored once` });
        if (entry.fullUrl && !byFullUrl.has(entry.fullUrl)) byFullUrl.set(entry.fullUrl, key);
        aliases.push({ index: entry.index, key });
        continue;
      }
      if (entry.method === 'PUT') {
        errors.push({ entry: entry.index, expression: `Bundle.entry[${entry.index}].request.url`, message: `${key} is written twice with different content` });
        continue;
      }
      id = randomUUID();
      warnings.push({ entry: entry.index, expression: `Bundle.entry[${entry.index}].resource.id`, message: `id already used by entry ${earlier.index}; stored as ${entry.resource.resourceType}/${id}` });
    }
    const finalKey = `${entry.resource.resourceType}/${id}`;
    byKey.set(finalKey, entry);
    if (entry.fullUrl) {
      if (byFullUrl.has(entry.fullUrl)) {
        warnings.push({ entry: entry.index, expression: `Bundle.entry[${entry.index}].fullUrl`, message: 'fullUrl repeats an earlier entry; references to it resolve to the first' });
      } else {
        byFullUrl.set(entry.fullUrl, finalKey);
      }
    }
    kept.push({ entry, id });
  }

  const externalPatientRefs = new Map<string, { entry?: number; expression: string }>();
  const entries: ResolvedEntry[] = kept.map(({ entry, id }) => {
    const resource = structuredClone(entry.resource) as Resource & { id: string };
    resource.id = id;
    const contained = new Set(
      ((resource as { contained?: { id?: string }[] }).contained ?? []).map((c) => c.id).filter((x): x is string => !!x),
    );
    const { root } = entry;
    const index = bundleIndexOf(entry);
    const at = index === undefined ? {} : { entry: index };
    rewrite(resource, root, (ref, expression) => {
      if (ref.startsWith('#')) {
        if (ref.length > 1 && !contained.has(ref.slice(1))) {
          errors.push({ ...at, expression, message: `no contained resource with id ${ref.slice(1)}` });
        }
        return ref;
      }
      const mapped = byFullUrl.get(ref);
      if (mapped) return mapped;
      if (/^urn:(uuid|oid):/.test(ref)) {
        // Without its patient a resource cannot be filed, so a dangling compartment reference is fatal;
        // elsewhere (encounter, location, ...) only context is lost, which a warning reports.
        const fatal = COMPARTMENT_FIELDS.some((f) => expression === `${root}.${f}.reference`);
        (fatal ? errors : warnings).push({
          ...at,
          expression,
          message: `dangling reference ${ref}: no entry in this Bundle has that fullUrl${fatal ? '' : '; kept unresolved'}`,
        });
        return ref;
      }
      if (/^https?:\/\//.test(ref)) {
        const target = trailingReference(ref);
        if (target && byKey.has(target)) return target;
      }
      const rel = RELATIVE_REF.exec(ref);
      if (rel) {
        const target = `${rel[1]}/${rel[2]}`;
        if (byKey.has(target)) return target;
        if (rel[1] === 'Patient') externalPatientRefs.set(rel[2] as string, { ...at, expression });
        else warnings.push({ ...at, expression, message: `${target} is not in this Bundle; kept as an external reference` });
        return ref;
      }
      if (ref.includes('?')) {
        if (ref.startsWith('Patient?')) errors.push({ ...at, expression, message: 'conditional references to a Patient are not supported' });
        else warnings.push({ ...at, expression, message: 'conditional reference kept unresolved' });
        return ref;
      }
      warnings.push({ ...at, expression, message: 'reference is not a resolvable FHIR reference; kept as is' });
      return ref;
    });
    const patientId = compartmentPatient(resource);
    return { index: entry.index, root: entry.root, resource, ...(patientId ? { patientId } : {}) };
  });
  return { entries, aliases, externalPatientRefs, errors, warnings };
}

/** Walks a resource and replaces every `reference` string through `fn`. */
function rewrite(node: unknown, path: string, fn: (ref: string, expression: string) => string): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => rewrite(child, `${path}[${i}]`, fn));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'reference' && typeof value === 'string') obj[key] = fn(value, `${path}.reference`);
    else if (key !== 'contained') rewrite(value, `${path}.${key}`, fn);
  }
}
