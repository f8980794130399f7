import type { Resource } from '@medplum/fhirtypes';
import { z } from 'zod';
import { badInput, type InputIssue } from '../../errors/domain-error.ts';
import { findUnsafeJson } from './json-safety.ts';

/** How an entry asks to be stored: POST (create), PUT (create or update at a given id), or none (collection). */
export type EntryMethod = 'POST' | 'PUT' | 'NONE';

export interface InputEntry {
  index: number;
  /** where the resource sits in the input: `Bundle.entry[3].resource`, or its type when sent alone */
  root: string;
  fullUrl?: string;
  resource: Resource;
  method: EntryMethod;
  /** the id demanded by `PUT Type/id`, if any */
  putId?: string;
}

export type InputKind = 'collection' | 'transaction' | 'batch' | 'resource';

export interface BundleInput {
  kind: InputKind;
  entries: InputEntry[];
  /** tolerated deviations, reported back to the sender */
  warnings: InputIssue[];
}

const ResourceShape = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be a FHIR resource type name') });

const EntryShape = z.looseObject({
  fullUrl: z.string().max(4096).optional(),
  resource: ResourceShape,
  request: z
    .looseObject({
      method: z.enum(['POST', 'PUT'], { message: 'only POST and PUT entries can be imported' }),
      url: z.string().max(4096),
    })
    .optional(),
});

/** The Bundle entry index of an entry, or undefined for a resource sent on its own. */
export function bundleIndexOf(e: { index: number; root: string }): number | undefined {
  return e.root.startsWith('Bundle.') ? e.index : undefined;
}

/** Locates an issue at `suffix` under an entry's resource; `entry` is given only inside a Bundle. */
export function issueAt(e: { index: number; root: string }, suffix: string, message: string): InputIssue {
  const entry = bundleIndexOf(e);
  return { ...(entry === undefined ? {} : { entry }), expression: `${e.root}${suffix}`, message };
}

/** Turns a zod path into a FHIRPath-like expression rooted at `root`. */
export function toExpression(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

function entryIndexOf(path: readonly PropertyKey[]): number | undefined {
  return path[0] === 'entry' && typeof path[1] === 'number' ? path[1] : undefined;
}

/**
 * Checks the envelope of an import: a Bundle of type collection, transaction or batch, or a
 * single resource. Entries are checked for shape only; resources are validated later.
 */
export function readBundleInput(json: unknown, maxEntries: number): BundleInput {
  const top = ResourceShape.safeParse(json);
  if (!top.success) {
    throw badInput('Expected a FHIR resource or Bundle (a JSON object with a resourceType)', [
      { expression: 'resourceType', message: top.error.issues[0]?.message ?? 'missing resourceType' },
    ]);
  }
  const root = (json as Resource).resourceType === 'Bundle' ? 'Bundle' : (json as Resource).resourceType;
  const unsafe = findUnsafeJson(json, root);
  if (unsafe) {
    const cut = unsafe.indexOf(': ');
    const entry = /^Bundle\.entry\[(\d+)\]/.exec(unsafe)?.[1];
    throw badInput('Input rejected: it cannot be stored as JSON text; nothing was stored', [
      { ...(entry === undefined ? {} : { entry: Number(entry) }), expression: unsafe.slice(0, cut), message: unsafe.slice(cut + 2) },
    ]);
  }
  const resource = json as Resource;
  if (resource.resourceType !== 'Bundle') {
    return { kind: 'resource', entries: [{ index: 0, root: resource.resourceType, resource, method: 'NONE' }], warnings: [] };
  }
  const bundle = json as { type?: unknown; entry?: unknown };
  if (bundle.type !== 'collection' && bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw badInput('Bundle.type must be collection, transaction or batch', [
      { expression: 'Bundle.type', message: `got ${(JSON.stringify(bundle.type) ?? 'nothing').slice(0, 40)}` },
    ]);
  }
  const rawEntries = bundle.entry ?? [];
  if (!Array.isArray(rawEntries)) {
    throw badInput('Bundle.entry must be an array', [{ expression: 'Bundle.entry', message: 'not an array' }]);
  }
  if (rawEntries.length > maxEntries) {
    throw badInput(`Bundle has ${rawEntries.length} entries; the limit is ${maxEntries}`, [
      { expression: 'Bundle.entry', message: `more than ${maxEntries} entries` },
    ]);
  }
  const parsed = z.object({ entry: z.array(EntryShape) }).safeParse({ entry: rawEntries });
  const issues: InputIssue[] = [];
  const warnings: InputIssue[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const entry = entryIndexOf(i.path);
      issues.push({ ...(entry === undefined ? {} : { entry }), expression: toExpression('Bundle', i.path), message: i.message });
    }
  }
  const entries: InputEntry[] = [];
  rawEntries.forEach((raw: z.infer<typeof EntryShape>, index) => {
    if (issues.some((i) => i.entry === index)) return;
    const method = raw.request?.method ?? (bundle.type === 'collection' ? 'NONE' : 'POST');
    if (bundle.type !== 'collection' && !raw.request) {
      // Real exports omit it now and then; the entry is stored as if it had been POSTed.
      warnings.push({ entry: index, expression: `Bundle.entry[${index}].request`, message: `a ${bundle.type} entry has no request; treated as POST` });
    }
    const entry: InputEntry = { index, root: `Bundle.entry[${index}].resource`, resource: raw.resource as Resource, method };
    if (raw.fullUrl) entry.fullUrl = raw.fullUrl;
    if (method === 'PUT') {
      const m = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(raw.request?.url ?? '');
      if (!m || m[1] !== raw.resource.resourceType) {
        issues.push({
          entry: index,
          expression: `Bundle.entry[${index}].request.url`,
          message: `PUT needs a url of the form ${raw.resource.resourceType}/<id> (conditional updates are not supported)`,
        });
        return;
      }
      entry.putId = m[2];
    }
    entries.push(entry);
  });
  if (issues.length > 0) throw badInput(`Bundle rejected: ${issues.length} invalid entr${issues.length === 1 ? 'y' : 'ies'}`, issues);
  return { kind: bundle.type, entries, warnings };
}
