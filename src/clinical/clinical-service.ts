import { BoundedMap } from '../caching/bounded-map.ts';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import { importBundle, refreshSummaries, type ImportOptions, type ImportResult, type Summarise } from './ingest/import-bundle.ts';
import type { ClinicalSummary } from './mcode/types.ts';
import {
  countPatientResources,
  countPatients,
  listPatientIds,
  readPatientResources,
  readResource,
  readResources,
  type StoredResource,
} from './store/resource-store.ts';
import { readSummaries, type StoredSummary } from './store/summary-store.ts';

export interface ClinicalServiceOptions {
  db: Database;
  logger: Logger;
  summarise: Summarise;
  mapperVersion: string;
  maxBundleEntries: number;
}

export interface PatientPage {
  ids: string[];
  hasNextPage: boolean;
  totalCount: number;
}

/** The clinical side of a site: FHIR ingest and the patient record, as the callers see it. */
export interface ClinicalService {
  /**
   * `extra.within` runs more writes in the same transaction, so they commit or roll back with the
   * Bundle; `extra.alsoTouches` names the patients they concern (locked and re-summarised).
   */
  importBundle(json: unknown, source: string, extra?: Pick<ImportOptions, 'within' | 'alsoTouches'>): Promise<ImportResult>;
  patientExists(id: string): Promise<boolean>;
  listPatients(first: number, after?: string): Promise<PatientPage>;
  summaries(patientIds: readonly string[]): Promise<(StoredSummary | undefined)[]>;
  resources(patientId: string, resourceType?: string): Promise<StoredResource[]>;
  resourceCounts(patientId: string): Promise<{ resourceType: string; count: number }[]>;
  resource(resourceType: string, id: string): Promise<StoredResource | undefined>;
  /** The stored resources of one type among `ids`, in id order (missing ones left out). */
  resourcesById(resourceType: string, ids: readonly string[]): Promise<StoredResource[]>;
  /** Recomputes summaries written by an older mapper version; returns how many were refreshed. */
  refreshStaleSummaries(): Promise<number>;
}

/** Summaries held in memory at most (the patients read most recently). */
const SUMMARY_CACHE_LIMIT = 5_000;

export function createClinicalService(options: ClinicalServiceOptions): ClinicalService {
  const { db, logger } = options;
  // An embedded store belongs to this process alone (the data directory is locked), and every write
  // of a summary goes through this service, so summaries can be kept in memory and dropped when
  // written. A shared PostgreSQL server has other writers: there every read goes to the database.
  const cache = db.kind === 'pglite' ? new BoundedMap<string, StoredSummary>(SUMMARY_CACHE_LIMIT) : undefined;
  const forget = (ids: readonly string[]) => ids.forEach((id) => cache?.delete(id));
  return {
    async importBundle(json, source, extra) {
      try {
        const result = await importBundle(db, json, { source, maxEntries: options.maxBundleEntries, summarise: options.summarise, ...extra });
        forget(result.patientIds);
        logger.info(
          { importId: result.importId, source, entries: result.entries.length, patientIds: result.patientIds, warnings: result.warnings.length },
          'fhir import stored',
        );
        return result;
      } catch (err) {
        logger.info({ source, err: { name: (err as Error).name, code: (err as { code?: string }).code } }, 'fhir import rejected');
        throw err;
      }
    },
    async patientExists(id) {
      return (await readResource(db, 'Patient', id)) !== undefined;
    },
    async listPatients(first, after) {
      const ids = await listPatientIds(db, first + 1, after);
      return { ids: ids.slice(0, first), hasNextPage: ids.length > first, totalCount: await countPatients(db) };
    },
    async summaries(ids) {
      if (!cache) return readSummaries(db, ids);
      const missing = [...new Set(ids.filter((id) => !cache.has(id)))];
      const read = new Map<string, StoredSummary>();
      if (missing.length > 0) {
        (await readSummaries(db, missing)).forEach((found, i) => {
          if (!found) return;
          read.set(missing[i]!, found);
          cache.set(missing[i]!, found);
        });
      }
      // answered from what was just read as well, so a batch larger than the cache still gets every summary
      return ids.map((id) => read.get(id) ?? cache.get(id));
    },
    resources: (patientId, resourceType) => readPatientResources(db, patientId, resourceType),
    resourceCounts: (patientId) => countPatientResources(db, patientId),
    resource: (resourceType, id) => readResource(db, resourceType, id),
    resourcesById: (resourceType, ids) => readResources(db, resourceType, ids),
    async refreshStaleSummaries() {
      const stale = await db.query<{ id: string }>(
        `SELECT r.id FROM fhir_resource r LEFT JOIN patient_summary s ON s.patient_id = r.id
         WHERE r.resource_type = 'Patient' AND (s.patient_id IS NULL OR s.mapper_version <> $1)`,
        [options.mapperVersion],
      );
      const ids = stale.rows.map((r) => r.id);
      if (ids.length > 0) await db.transaction((tx) => refreshSummaries(tx, ids, options.summarise));
      forget(ids);
      return ids.length;
    },
  };
}

export type { ClinicalSummary, ImportResult, Resource, StoredResource, StoredSummary };
