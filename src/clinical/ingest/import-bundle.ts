import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { badInput, DomainError, ErrorCode, type InputIssue } from '../../errors/domain-error.ts';
import type { Database, SqlClient } from '../../storage/port.ts';
import type { ClinicalSummary } from '../mcode/types.ts';
import { existingPatientIds, insertImportBatch, readPatientResources, readResources, storedPatientsOf, writeResources, type WriteOutcome } from '../store/resource-store.ts';
import { saveSummary } from '../store/summary-store.ts';
import { bundleIndexOf, issueAt, readBundleInput, type InputKind } from './bundle-input.ts';
import { resolveReferences } from './resolve-references.ts';
import { checkResource } from './validate-resource.ts';

/** Derives a patient's clinical summary from the resources in their compartment. */
export type Summarise = (patientId: string, resources: Resource[]) => ClinicalSummary;

export interface ImportOptions {
  /** where the data came from, for the import record: `graphql`, `rest`, `cli`, `sync <url>` */
  source: string;
  maxEntries: number;
  summarise: Summarise;
  /** more writes that must commit or roll back with the Bundle (run after its resources are written) */
  within?: (tx: SqlClient) => Promise<void>;
  /** patients those writes concern: locked like the Bundle's own patients, and their summaries refreshed */
  alsoTouches?: readonly string[];
}

/** One answer per Bundle entry, in entry order (a repeated entry answers with the resource it repeats). */
export interface ImportedEntry {
  index: number;
  resourceType: string;
  id: string;
  version: number;
  outcome: WriteOutcome;
}

export interface ImportResult {
  importId: string;
  kind: InputKind;
  /** stored patients with at least one created or updated resource */
  patientIds: string[];
  entries: ImportedEntry[];
  warnings: InputIssue[];
}

/** How many located problems an error carries at most; the message says how many there were. */
const MAX_REPORTED_ISSUES = 100;

function reject(issues: InputIssue[]): never {
  const n = issues.length;
  throw badInput(
    `Bundle rejected: ${n} problem${n === 1 ? '' : 's'}; nothing was stored`,
    issues.slice(0, MAX_REPORTED_ISSUES),
  );
}

/**
 * Imports a FHIR Bundle (collection, transaction or batch) or a single resource, all or nothing:
 * the envelope is checked, ids assigned, references resolved, every resource validated against
 * FHIR R4, and only then is everything written in one transaction together with the refreshed
 * clinical summaries of the patients it touched.
 */
export async function importBundle(db: Database, json: unknown, options: ImportOptions): Promise<ImportResult> {
  const input = readBundleInput(json, options.maxEntries);
  const resolved = resolveReferences(input.entries);
  const issues = [...resolved.errors];
  for (const e of resolved.entries) issues.push(...checkResource(e.resource, e.root, bundleIndexOf(e)));
  if (issues.length > 0) reject(issues);

  const importId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => writeImport(tx, importId, input.kind, resolved, options));
    } catch (err) {
      // ordered locking makes these rare; a lost race is simply run again
      if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

/** Resources written per statement. */
const WRITE_CHUNK = 200;

/** PostgreSQL deadlock_detected and serialization_failure. */
const RETRYABLE = new Set(['40P01', '40001']);

async function writeImport(
  tx: SqlClient,
  importId: string,
  kind: InputKind,
  resolved: ReturnType<typeof resolveReferences>,
  options: ImportOptions,
): Promise<ImportResult> {
  // Imports touching the same patient run one after the other, so each summary sees the other's
  // rows; locks are taken in a fixed order so two imports cannot wait on each other.
  const patients = [...new Set([...resolved.entries.map((e) => e.patientId), ...(options.alsoTouches ?? [])].filter((p): p is string => !!p))].sort();
  for (const p of patients) await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`patient:${p}`]);

  const owners = await storedPatientsOf(tx, resolved.entries.map((e) => e.resource));
  const conflicts = resolved.entries.filter((e) => {
    const owner = owners.get(`${e.resource.resourceType}/${e.resource.id}`);
    return owner !== undefined && owner !== null && owner !== (e.patientId ?? null);
  });
  if (conflicts.length > 0) {
    throw new DomainError(
      ErrorCode.CONFLICT,
      `Bundle rejected: ${conflicts.length} resource${conflicts.length === 1 ? ' is' : 's are'} stored for another patient; nothing was stored`,
      conflicts.slice(0, MAX_REPORTED_ISSUES).map((e) =>
        issueAt(
          e,
          '.id',
          `${e.resource.resourceType}/${e.resource.id} belongs to Patient/${owners.get(`${e.resource.resourceType}/${e.resource.id}`)} at this site; a resource cannot move to another patient`,
        ),
      ),
    );
  }

  // A reference to a patient this site has not seen is kept (the resource joins that patient's
  // record when the Patient arrives) and reported, as lenient FHIR servers do with placeholders.
  const known = await existingPatientIds(tx, [...resolved.externalPatientRefs.keys()]);
  const warnings = [...resolved.warnings];
  for (const [id, at] of resolved.externalPatientRefs) {
    if (!known.has(id)) {
      warnings.push({ ...(at.entry === undefined ? {} : { entry: at.entry }), expression: at.expression, message: `Patient/${id} is not stored at this site yet; the resource is kept for when it arrives` });
    }
  }

  const touched = new Set<string>();
  await insertImportBatch(tx, { id: importId, source: options.source, kind, entryCount: resolved.entries.length, patientIds: [] });
  const entries: ImportedEntry[] = [];
  const inKeyOrder = [...resolved.entries].sort((a, b) => compareKeys(a.resource, b.resource));
  for (let start = 0; start < inKeyOrder.length; start += WRITE_CHUNK) {
    const chunk = inKeyOrder.slice(start, start + WRITE_CHUNK);
    const written = await writeResources(tx, chunk, importId);
    chunk.forEach((e, i) => {
      const w = written[i] as { outcome: WriteOutcome; version: number };
      entries.push({ index: e.index, resourceType: e.resource.resourceType, id: e.resource.id, version: w.version, outcome: w.outcome });
      if (w.outcome !== 'unchanged' && e.patientId) touched.add(e.patientId);
    });
  }
  const byKey = new Map(entries.map((e) => [`${e.resourceType}/${e.id}`, e]));
  for (const alias of resolved.aliases) {
    const same = byKey.get(alias.key);
    if (same) entries.push({ ...same, index: alias.index });
  }
  entries.sort((a, b) => a.index - b.index);
  if (options.within) await options.within(tx);
  for (const p of options.alsoTouches ?? []) touched.add(p);
  const patientIds = await refreshSummaries(tx, [...touched].sort(), options.summarise);
  await tx.query('UPDATE import_batch SET patient_ids = $2 WHERE id = $1', [importId, patientIds]);
  return { importId, kind, patientIds, entries, warnings };
}

function compareKeys(a: Resource & { id: string }, b: Resource & { id: string }): number {
  return a.resourceType < b.resourceType ? -1 : a.resourceType > b.resourceType ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Recomputes and saves the clinical summary of each patient from their stored resources, and
 * returns the ids that have a stored Patient (the others only have resources waiting for one).
 */
export async function refreshSummaries(tx: SqlClient, patientIds: readonly string[], summarise: Summarise): Promise<string[]> {
  const done: string[] = [];
  for (const patientId of patientIds) {
    const stored = (await readPatientResources(tx, patientId)).map((r) => r.content);
    if (!stored.some((r) => r.resourceType === 'Patient')) continue;
    const medicationIds = stored.flatMap((r) => {
      const ref = (r as { medicationReference?: { reference?: string } }).medicationReference?.reference;
      return ref?.startsWith('Medication/') ? [ref.slice('Medication/'.length)] : [];
    });
    const medications = await readResources(tx, 'Medication', [...new Set(medicationIds)]);
    await saveSummary(tx, summarise(patientId, [...stored, ...medications.map((m) => m.content)]));
    done.push(patientId);
  }
  return done;
}
