import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { badInput, type InputIssue } from '../../errors/domain-error.ts';
import type { Database, SqlClient } from '../../storage/port.ts';
import type { ClinicalSummary } from '../mcode/types.ts';
import { existingPatientIds, insertImportBatch, readPatientResources, writeResource, type WriteOutcome } from '../store/resource-store.ts';
import { saveSummary } from '../store/summary-store.ts';
import { readBundleInput, type InputKind } from './bundle-input.ts';
import { resolveReferences } from './resolve-references.ts';
import { checkResource } from './validate-resource.ts';

/** Derives a patient's clinical summary from the resources in their compartment. */
export type Summarise = (patientId: string, resources: Resource[]) => ClinicalSummary;

export interface ImportOptions {
  /** where the data came from, for the import record: `graphql`, `rest`, `cli`, `sync <url>` */
  source: string;
  maxEntries: number;
  summarise: Summarise;
}

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
  for (const e of resolved.entries) {
    const root = input.kind === 'resource' ? e.resource.resourceType : `Bundle.entry[${e.index}].resource`;
    issues.push(...checkResource(e.resource, root, input.kind === 'resource' ? undefined : e.index));
  }
  if (issues.length > 0) reject(issues);

  const importId = randomUUID();
  return db.transaction(async (tx) => {
    // A reference to a patient this site has not seen is kept (the resource joins that patient's
    // record when the Patient arrives) and reported, as lenient FHIR servers do with placeholders.
    const known = await existingPatientIds(tx, [...resolved.externalPatientRefs.keys()]);
    const warnings = [...input.warnings, ...resolved.warnings];
    for (const [id, at] of resolved.externalPatientRefs) {
      if (!known.has(id)) {
        warnings.push({ entry: at.entry, expression: at.expression, message: `Patient/${id} is not stored at this site yet; the resource is kept for when it arrives` });
      }
    }
    const touched = new Set<string>();
    await insertImportBatch(tx, { id: importId, source: options.source, kind: input.kind, entryCount: resolved.entries.length, patientIds: [] });
    const entries: ImportedEntry[] = [];
    for (const e of resolved.entries) {
      const w = await writeResource(tx, e.resource, e.patientId, importId);
      entries.push({ index: e.index, resourceType: e.resource.resourceType, id: e.resource.id, version: w.version, outcome: w.outcome });
      if (w.outcome !== 'unchanged') {
        if (e.patientId) touched.add(e.patientId);
        if (w.previousPatientId && w.previousPatientId !== e.patientId) touched.add(w.previousPatientId);
      }
    }
    const patientIds = await refreshSummaries(tx, [...touched].sort(), options.summarise);
    await tx.query('UPDATE import_batch SET patient_ids = $2 WHERE id = $1', [importId, patientIds]);
    return { importId, kind: input.kind, patientIds, entries, warnings };
  });
}

/**
 * Recomputes and saves the clinical summary of each patient from their stored resources, and
 * returns the ids that have a stored Patient (the others only have resources waiting for one).
 */
export async function refreshSummaries(tx: SqlClient, patientIds: readonly string[], summarise: Summarise): Promise<string[]> {
  const done: string[] = [];
  for (const patientId of patientIds) {
    const stored = await readPatientResources(tx, patientId);
    if (!stored.some((r) => r.resourceType === 'Patient')) continue;
    await saveSummary(tx, summarise(patientId, stored.map((r) => r.content)));
    done.push(patientId);
  }
  return done;
}
