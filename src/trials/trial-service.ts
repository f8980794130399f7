/**
 * Trial matching as the callers see it: the registry, patient → trials for oncologists, trial →
 * patients for trial matchers, the projection kept fresh, and the CodeX `$match` operation.
 */
import type { Bundle, ResearchStudy, Resource } from '@medplum/fhirtypes';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { McodeCodeTables } from '../clinical/mcode/code-tables.ts';
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import { notFound } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import { findStalePatients } from './facts/stale-patients.ts';
import { eligiblePatientIds, eligiblePatients, type EligiblePatientsOptions, type EligiblePatientsPage } from './cohort/eligible-patients.ts';
import { leavesOf } from './eligibility/three-valued.ts';
import type { TrialDefinition } from './eligibility/types.ts';
import { todayUtc } from './evaluate/evaluate-criterion.ts';
import { createFhirPathRunner, DEFAULT_FHIRPATH_LIMITS, type FhirPathLimits } from './evaluate/fhirpath-criterion.ts';
import { matchTrials, type MatchTrialsOptions, type TrialMatch } from './evaluate/match-trials.ts';
import { deletePatientFeatures, readPatientGenomics, writePatientFeatures } from './facts/feature-store.ts';
import { derivePatientFacts, type PatientFacts } from './facts/patient-facts.ts';
import { matchResearchStudies } from './fhir/match-research-studies.ts';
import { buildTrial, type TrialInput } from './registry/import-research-study.ts';
import { createDbTrialRegistry, deleteTrial, saveTrial } from './registry/trial-registry.ts';

export interface TrialServiceOptions {
  db: Database;
  clinical: Pick<ClinicalService, 'summaries' | 'resources' | 'listPatients'>;
  tables: McodeCodeTables;
  logger: Logger;
  /** the site's mCODE mapping, for `$match` Bundles that are not stored */
  summarise: (patientId: string, resources: Resource[]) => ClinicalSummary;
  maxBundleEntries: number;
  fhirpath?: FhirPathLimits;
}

export interface MatchingTrialsOptions extends MatchTrialsOptions {
  asOf?: string;
}

export interface TrialService {
  /** Imports or replaces a trial from a ResearchStudy and/or an eligibility document. */
  registerTrial(input: TrialInput): Promise<TrialDefinition>;
  removeTrial(id: string): Promise<boolean>;
  trial(id: string): Promise<TrialDefinition | undefined>;
  trials(): Promise<TrialDefinition[]>;
  /** Patient → trials, criterion by criterion; NOT_FOUND when the patient has no summary. */
  matchingTrials(patientId: string, options?: MatchingTrialsOptions): Promise<TrialMatch[]>;
  /** Trial → patients (pseudonymous, suppressed counts, representation). */
  eligiblePatients(trialId: string, options: EligiblePatientsOptions): Promise<EligiblePatientsPage>;
  /** Rewrites the projection rows of these patients from their current summary and variants. */
  refreshPatients(patientIds: readonly string[]): Promise<void>;
  /** record ids of the living patients eligible for any registered trial (the site's equity report only) */
  anyTrialEligible(asOf?: string): Promise<Set<string>>;
  /** brings the trial-search projection up to date with every record changed since; returns how many patients */
  refreshStale(batchSize?: number): Promise<number>;
  /** Rebuilds the projection for every stored patient (start-up backfill); returns how many. */
  refreshAllPatients(batchSize?: number): Promise<number>;
  /** CodeX `$match`: a patient Bundle in, a searchset of ResearchStudy out. */
  matchResearchStudies(patientBundle: unknown, options?: { includeNotEligible?: boolean; asOf?: string }): Promise<Bundle<ResearchStudy>>;
}

export function createTrialService(options: TrialServiceOptions): TrialService {
  const { db, clinical, logger } = options;
  const registry = createDbTrialRegistry(db);
  const fhirpath = createFhirPathRunner(options.fhirpath ?? DEFAULT_FHIRPATH_LIMITS);

  // one write per batch: a start-up backfill of a whole site is then a few statements per page
  const refreshPatients = async (patientIds: readonly string[]) => {
    const summaries = await clinical.summaries(patientIds);
    const rows: { patientId: string; facts: PatientFacts }[] = [];
    const gone: string[] = [];
    for (const [i, patientId] of patientIds.entries()) {
      const summary = summaries[i]?.summary;
      if (summary) rows.push({ patientId, facts: derivePatientFacts(summary, await readPatientGenomics(db, patientId)) });
      else gone.push(patientId);
    }
    await db.transaction(async (tx) => {
      await writePatientFeatures(tx, rows);
      if (gone.length > 0) await deletePatientFeatures(tx, gone);
    });
  };

  const refreshStale = async (batchSize = 500): Promise<number> => {
    let count = 0;
    // bounded: each pass rewrites what it found, so the same patients are not found again
    for (let pass = 0; pass < 10_000; pass++) {
      const ids = await findStalePatients(db, batchSize);
      if (ids.length === 0) break;
      await refreshPatients(ids);
      count += ids.length;
    }
    return count;
  };

  return {
    refreshStale,
    async anyTrialEligible(asOf) {
      await refreshStale();
      return eligiblePatientIds(db, await registry.list(), asOf);
    },
    async registerTrial(input) {
      const trial = buildTrial(input, options.tables);
      await saveTrial(db, trial);
      logger.info({ trialId: trial.id, warnings: trial.warnings.length }, 'trial registered');
      return trial;
    },
    async removeTrial(id) {
      return deleteTrial(db, id);
    },
    trial: (id) => registry.get(id),
    trials: () => registry.list(),
    async matchingTrials(patientId, opts = {}) {
      const [stored] = await clinical.summaries([patientId]);
      if (!stored) throw notFound(`no clinical record for Patient/${patientId}`);
      const trials = await registry.list();
      const facts = derivePatientFacts(stored.summary, await readPatientGenomics(db, patientId));
      // the record is read only when some trial has a criterion that needs it
      const usesFhirPath = trials.some((t) => leavesOf(t.eligibility).some(({ leaf }) => leaf.criterion.kind === 'fhirpath'));
      const record = usesFhirPath ? (await clinical.resources(patientId)).map((r) => r.content) : undefined;
      return matchTrials(trials, facts, { asOf: opts.asOf ?? todayUtc(), fhirpath, ...(record ? { record } : {}) }, opts);
    },
    async eligiblePatients(trialId, opts) {
      const started = performance.now();
      // the projection catches up with whatever was imported since the last search
      const refreshed = await refreshStale();
      if (refreshed > 0) logger.info({ refreshed }, 'trial-search projection refreshed');
      const page = await eligiblePatients(db, await registry.get(trialId), opts);
      logger.info({ trialId, ms: Math.round(performance.now() - started), page: page.patients.length }, 'eligible patients listed');
      return page;
    },
    refreshPatients,
    async refreshAllPatients(batchSize = 500) {
      let after: string | undefined;
      let count = 0;
      for (;;) {
        const page = await clinical.listPatients(batchSize, after);
        await refreshPatients(page.ids);
        count += page.ids.length;
        if (!page.hasNextPage || page.ids.length === 0) return count;
        after = page.ids[page.ids.length - 1];
      }
    },
    matchResearchStudies(bundle, opts = {}) {
      return matchResearchStudies(bundle, registry, {
        summarise: options.summarise,
        maxEntries: options.maxBundleEntries,
        fhirpath,
        ...opts,
      });
    },
  };
}
