import { TmbMethod } from '../genomics/consequences.ts';
import type { ImportVariantsResult } from '../genomics/genomics-service.ts';
import type { CallSetRow, StoredVariant } from '../genomics/variant-store.ts';
import { badInput } from '../errors/domain-error.ts';
import { builder } from './builder.ts';
import { PatientType } from './patient.ts';

/** The bytes of an uploaded file as they arrive (yoga hands over a web-stream ponyfill, not a Node stream). */
export async function* uploadChunks(file: File): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
  } finally {
    reader.releaseLock();
  }
}

const GenomeBuildEnum = builder.enumType('GenomeBuild', { values: ['GRCh37', 'GRCh38'] as const });
const TmbMethodEnum = builder.enumType('TmbMethod', {
  description: "PCGR's counting schemes",
  values: Object.fromEntries(Object.values(TmbMethod).map((m) => [m.toUpperCase(), { value: m }])) as Record<Uppercase<TmbMethod>, { value: TmbMethod }>,
});

const VariantType = builder.objectRef<StoredVariant>('Variant').implement({
  description: 'A somatic call from an imported VCF, with the one annotation chosen for it',
  fields: (t) => ({
    gene: t.exposeString('gene', { nullable: true }),
    proteinChange: t.exposeString('proteinChange', { nullable: true, description: 'short form, e.g. p.L858R' }),
    consequence: t.exposeString('consequence', { nullable: true, description: 'most severe SO term of the chosen transcript' }),
    vaf: t.exposeFloat('vaf', { nullable: true, description: 'tumour allele fraction' }),
    depth: t.exposeInt('depth', { nullable: true, description: 'tumour read depth' }),
    altDepth: t.exposeInt('altDepth', { nullable: true }),
    chrom: t.exposeString('chrom', { description: 'contig without the chr prefix' }),
    pos: t.exposeInt('pos'),
    ref: t.exposeString('ref'),
    alt: t.exposeString('alt'),
    filter: t.exposeString('filter'),
    transcript: t.exposeString('transcript', { nullable: true }),
    hgvsc: t.exposeString('hgvsc', { nullable: true }),
    hgvsp: t.exposeString('hgvsp', { nullable: true }),
    hotspot: t.exposeString('hotspot', { nullable: true, description: 'key of the actionable hotspot this call is, e.g. EGFR_L858R' }),
    countedForTmb: t.exposeBoolean('tmbCounted'),
    specimenId: t.exposeString('specimenId'),
    line: t.exposeInt('line', { description: 'line of the VCF the call came from' }),
  }),
});

const TmbType = builder.objectRef<NonNullable<CallSetRow['tmb']> & { specimenId: string }>('Tmb').implement({
  description: 'Tumour mutational burden: counted variants over the effective target size',
  fields: (t) => ({
    value: t.exposeFloat('value', { description: 'mutations per megabase' }),
    method: t.exposeString('method'),
    count: t.exposeInt('count'),
    targetMb: t.exposeFloat('targetMb'),
    specimenId: t.exposeString('specimenId'),
  }),
});

const CallSetType = builder.objectRef<CallSetRow>('VariantCallSet').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    specimenId: t.exposeString('specimenId'),
    fileName: t.exposeString('fileName'),
    sha256: t.exposeString('sha256'),
    build: t.exposeString('build'),
    annotation: t.exposeString('annotation', { description: 'vep, snpeff or none' }),
    tumorSample: t.exposeString('tumourSample', { nullable: true }),
    tmbUnavailable: t.exposeString('tmbUnavailable', { nullable: true }),
    stats: t.field({ type: 'JSON', resolve: (c) => c.stats }),
    importedAt: t.exposeString('importedAt'),
  }),
});

builder.objectFields(PatientType, (t) => ({
  variants: t.field({
    type: [VariantType],
    description: 'Somatic calls from imported VCFs, newest call set first',
    args: { gene: t.arg.string({ required: false }) },
    resolve: (p, args, ctx) => ctx.genomics.variants(p.id, args.gene ? { gene: args.gene } : {}),
  }),
  tmb: t.field({
    type: TmbType,
    nullable: true,
    description: 'TMB of the newest call set that has one',
    resolve: async (p, _args, ctx) => {
      const set = (await ctx.loaders.callSets.load(p.id)).find((c) => c.tmb !== null);
      return set?.tmb ? { ...set.tmb, specimenId: set.specimenId } : null;
    },
  }),
  variantCallSets: t.field({ type: [CallSetType], resolve: (p, _args, ctx) => ctx.loaders.callSets.load(p.id) }),
}));

const ImportVariantsResultType = builder.objectRef<ImportVariantsResult>('VariantImportResult').implement({
  fields: (t) => ({
    callSetId: t.exposeID('callSetId'),
    patientId: t.exposeID('patientId'),
    specimenId: t.exposeString('specimenId'),
    build: t.exposeString('build'),
    annotation: t.exposeString('annotation'),
    tumorSample: t.exposeString('tumourSample', { nullable: true }),
    kept: t.int({ resolve: (r) => r.stats.kept }),
    stats: t.field({ type: 'JSON', resolve: (r) => r.stats }),
    tmb: t.field({ type: TmbType, nullable: true, resolve: (r) => ('unavailable' in r.tmb ? null : { ...r.tmb, specimenId: r.specimenId }) }),
    tmbUnavailable: t.string({ nullable: true, resolve: (r) => ('unavailable' in r.tmb ? r.tmb.unavailable : null) }),
    reportedObservations: t.exposeInt('reported', { description: 'GenomicVariant and TMB observations written to the FHIR record' }),
    withdrawnObservations: t.exposeInt('withdrawn', { description: "observations of the specimen's previous import marked entered-in-error" }),
  }),
});

builder.mutationField('importVariants', (t) =>
  t.field({
    type: ImportVariantsResultType,
    description: "Imports a VCF (plain or bgzip) for a patient's specimen, all or nothing; a re-import of the specimen replaces it",
    args: {
      patientId: t.arg.id({ required: true }),
      file: t.arg({ type: 'File', required: true }),
      specimenId: t.arg.string({ required: false }),
      build: t.arg({ type: GenomeBuildEnum, required: false, description: 'needed only when the header does not say' }),
      tumorSample: t.arg.string({ required: false }),
      minDepth: t.arg.int({ required: false }),
      minVaf: t.arg.float({ required: false }),
      tmbMethod: t.arg({ type: TmbMethodEnum, required: false }),
      tmbTargetMb: t.arg.float({ required: false }),
    },
    resolve: (_root, args, ctx) => {
      if (args.minVaf != null && (args.minVaf < 0 || args.minVaf > 1)) throw badInput('minVaf must be between 0 and 1');
      if (args.minDepth != null && args.minDepth < 0) throw badInput('minDepth must not be negative');
      if (args.tmbTargetMb != null && !(args.tmbTargetMb > 0)) throw badInput('tmbTargetMb must be positive');
      const file = args.file;
      return ctx.genomics.importVariants(uploadChunks(file), {
        patientId: args.patientId,
        fileName: file.name || 'upload.vcf',
        source: 'graphql',
        ...(args.specimenId ? { specimenId: args.specimenId } : {}),
        ...(args.build ? { build: args.build } : {}),
        ...(args.tumorSample ? { tumourSample: args.tumorSample } : {}),
        ...(args.minDepth != null ? { minDepth: args.minDepth } : {}),
        ...(args.minVaf != null ? { minVaf: args.minVaf } : {}),
        ...(args.tmbMethod ? { tmbMethod: args.tmbMethod } : {}),
        ...(args.tmbTargetMb != null ? { tmbTargetMb: args.tmbTargetMb } : {}),
      });
    },
  }),
);
