/**
 * The genomics side of a site: import a VCF for a patient's specimen (calls, TMB and their FHIR
 * observations, all in one transaction with the patient's refreshed clinical summary) and read
 * them back.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Observation, Resource } from '@medplum/fhirtypes';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from '../storage/port.ts';
import { geneFeatures, type GeneFeatures } from './gene-features.ts';
import { isReportable, observationBundle, tmbObservation, variantObservation, type ObservationContext } from './genomic-observations.ts';
import { readVcf, type ReadVcfOptions, type VariantCallSet } from './read-vcf.ts';
import { deleteCallSet, insertCallSet, observationIdsOf, readCallSets, readVariants, type CallSetRow, type StoredVariant } from './variant-store.ts';

export interface ImportVariantsRequest extends Omit<ReadVcfOptions, 'limits' | 'maxRecords'> {
  patientId: string;
  /** the specimen the calls came from; one call set per specimen, a re-import replaces it */
  specimenId?: string;
  /** where the file came from, for the import record: `graphql`, `cli` */
  source: string;
}

export interface ImportVariantsResult {
  callSetId: string;
  patientId: string;
  specimenId: string;
  build: VariantCallSet['build'];
  annotation: VariantCallSet['annotation'];
  tumourSample?: string;
  stats: VariantCallSet['stats'];
  tmb: VariantCallSet['tmb'];
  reported: number;
  withdrawn: number;
  /** the TMB-counted calls, as `chrom:pos:ref>alt gene consequence` */
  tmbCounted: string[];
}

export interface GenomicsServiceOptions {
  db: Database;
  clinical: ClinicalService;
  logger: Logger;
  limits: NonNullable<ReadVcfOptions['limits']>;
  maxRecords: number;
}

export interface GenomicsService {
  importVariants(source: AsyncIterable<Uint8Array>, request: ImportVariantsRequest): Promise<ImportVariantsResult>;
  callSets(patientId: string): Promise<CallSetRow[]>;
  variants(patientId: string, options?: { gene?: string; limit?: number }): Promise<StoredVariant[]>;
  geneFeatures(patientId: string): Promise<GeneFeatures>;
}

const SPECIMEN_ID = /^[A-Za-z0-9\-_.]{1,64}$/;

/** Hashes the bytes as they stream past, so the stored call set records exactly what was read. */
async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

export function createGenomicsService(options: GenomicsServiceOptions): GenomicsService {
  const { db, clinical, logger } = options;
  return {
    async importVariants(source, request) {
      const specimenId = request.specimenId ?? 'default';
      if (!SPECIMEN_ID.test(specimenId)) throw badInput(`specimen id "${specimenId}" must be 1-64 letters, digits, '-', '_' or '.'`);
      if (!(await clinical.patientExists(request.patientId))) throw notFound(`Patient/${request.patientId} is not stored at this site`);
      const hash = createHash('sha256');
      const set = await readVcf(hashing(source, hash), { ...request, limits: options.limits, maxRecords: options.maxRecords });
      const sha256 = hash.digest('hex');

      const ctx: ObservationContext = { patientId: request.patientId, specimenId, build: set.build };
      const observations: Observation[] = set.calls.filter(isReportable).map((c) => variantObservation(ctx, c));
      if (!('unavailable' in set.tmb)) observations.push(tmbObservation(ctx, set.tmb));
      const current = new Set(observations.map((o) => o.id as string));
      const previous = await observationIdsOf(db, request.patientId, specimenId);
      const withdrawn: Resource[] = (await clinical.resourcesById('Observation', previous.filter((id) => !current.has(id))))
        .map((r) => r.content)
        .filter((o) => (o as Observation).status !== 'entered-in-error');

      const callSetId = randomUUID();
      await clinical.importBundle(observationBundle(observations, withdrawn), `vcf ${request.source}`, {
        alsoTouches: [request.patientId],
        within: async (tx) => {
          await deleteCallSet(tx, request.patientId, specimenId);
          await insertCallSet(tx, { id: callSetId, patientId: request.patientId, specimenId, sha256, observationIds: [...current] }, set);
        },
      });
      logger.info(
        { patientId: request.patientId, specimenId, callSetId, build: set.build, annotation: set.annotation, kept: set.stats.kept, reported: observations.length, withdrawn: withdrawn.length },
        'variants imported',
      );
      return {
        callSetId,
        patientId: request.patientId,
        specimenId,
        build: set.build,
        annotation: set.annotation,
        ...(set.tumourSample !== undefined ? { tumourSample: set.tumourSample } : {}),
        stats: set.stats,
        tmb: set.tmb,
        reported: observations.length,
        withdrawn: withdrawn.length,
        tmbCounted: set.calls.filter((c) => c.tmbCounted).map((c) => `${c.chrom}:${c.pos}:${c.ref}>${c.alt} ${c.gene ?? ''} ${c.consequence ?? ''}`.trim()),
      };
    },
    callSets: (patientId) => readCallSets(db, patientId),
    variants: (patientId, opts) => readVariants(db, patientId, opts),
    async geneFeatures(patientId) {
      return geneFeatures(await readCallSets(db, patientId), await readVariants(db, patientId));
    },
  };
}
