/**
 * The FHIR side of an imported VCF: an mCODE GenomicVariant observation (LOINC 69548-6, components
 * coded as in HL7 Genomics Reporting) for each reportable call, and a TMB observation. Ids are
 * derived from the patient, specimen and allele, so a re-import updates the same resources.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, BundleEntry, CodeableConcept, Observation, ObservationComponent, Resource } from '@medplum/fhirtypes';
import { isProteinAltering } from './consequences.ts';
import type { GenomeBuild } from './genome-build.ts';
import type { TmbResult, VariantCall } from './read-vcf.ts';

const LOINC = 'http://loinc.org';
const MCODE = 'http://hl7.org/fhir/us/mcode/StructureDefinition';

/** Genes with CIViC predictive evidence: a protein-altering call in one of them goes into the FHIR record. */
const ACTIONABLE_GENES: ReadonlySet<string> = new Set(
  (JSON.parse(readFileSync(new URL('./actionable-genes.json', import.meta.url), 'utf8')) as { genes: string[] }).genes,
);

/** RefSeq accessions of the chromosomes (NCBI assembly reports GCF_000001405.25 and .40). */
const REFSEQ_VERSION: Readonly<Record<GenomeBuild, readonly number[]>> = {
  GRCh37: [10, 11, 11, 11, 9, 11, 13, 10, 11, 10, 9, 11, 10, 8, 9, 9, 10, 9, 9, 10, 8, 10, 10, 9],
  GRCh38: [11, 12, 12, 12, 10, 12, 14, 11, 12, 11, 10, 12, 11, 9, 10, 10, 11, 10, 10, 11, 9, 11, 11, 10],
};

function refseqChromosome(build: GenomeBuild, chrom: string): string | undefined {
  const n = chrom === 'X' ? 23 : chrom === 'Y' ? 24 : /^\d+$/.test(chrom) ? Number(chrom) : 0;
  const version = REFSEQ_VERSION[build][n - 1];
  return version === undefined ? undefined : `NC_0000${String(n).padStart(2, '0')}.${version}`;
}

/** LOINC answers for the reference assembly (LOINC 62374-4). */
const ASSEMBLY: Readonly<Record<GenomeBuild, [string, string]>> = { GRCh37: ['LA14029-5', 'GRCh37'], GRCh38: ['LA26806-2', 'GRCh38'] };

/** Whether a call belongs in the patient's FHIR record: an actionable hotspot, or a protein-altering call in an actionable gene. */
export function isReportable(call: VariantCall): boolean {
  return call.hotspot !== undefined || (call.gene !== undefined && ACTIONABLE_GENES.has(call.gene) && isProteinAltering(call.terms));
}

function concept(system: string, code: string, display?: string): CodeableConcept {
  return { coding: [{ system, code, ...(display ? { display } : {}) }] };
}

function loincComponent(code: string, display: string, value: Omit<ObservationComponent, 'code'>): ObservationComponent {
  return { code: concept(LOINC, code, display), ...value };
}

function shortHash(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 24);
}

export interface ObservationContext {
  patientId: string;
  specimenId: string;
  build: GenomeBuild;
}

/** The id a call's GenomicVariant observation has (stable across re-imports of the specimen). */
export function variantObservationId(ctx: ObservationContext, call: Pick<VariantCall, 'chrom' | 'pos' | 'ref' | 'alt'>): string {
  return `gv-${shortHash(ctx.patientId, ctx.specimenId, ctx.build, call.chrom, call.pos, call.ref, call.alt)}`;
}

export function tmbObservationId(ctx: ObservationContext): string {
  return `tmb-${shortHash(ctx.patientId, ctx.specimenId)}`;
}

function specimenNote(ctx: ObservationContext): Observation['specimen'] {
  return { identifier: { system: 'urn:sangam:specimen', value: ctx.specimenId }, display: `specimen ${ctx.specimenId}` };
}

/** One GenomicVariant observation. */
export function variantObservation(ctx: ObservationContext, call: VariantCall): Observation {
  const components: ObservationComponent[] = [];
  if (call.gene) {
    components.push(loincComponent('48018-6', 'Gene studied [ID]', {
      valueCodeableConcept: call.hgncId ? { ...concept('http://www.genenames.org/geneId', call.hgncId, call.gene), text: call.gene } : { text: call.gene },
    }));
  }
  const refseq = refseqChromosome(ctx.build, call.chrom);
  if (refseq && call.ref.length === 1 && call.alt.length === 1) {
    components.push(loincComponent('81290-9', 'Genomic DNA change (gHGVS)', { valueCodeableConcept: concept('http://varnomen.hgvs.org', `${refseq}:g.${call.pos}${call.ref}>${call.alt}`) }));
  }
  if (call.hgvsc) components.push(loincComponent('48004-6', 'DNA change (c.HGVS)', { valueCodeableConcept: concept('http://varnomen.hgvs.org', call.hgvsc) }));
  if (call.hgvsp) components.push(loincComponent('48005-3', 'Amino acid change (pHGVS)', { valueCodeableConcept: concept('http://varnomen.hgvs.org', call.hgvsp.replace(/%3D/gi, '=')) }));
  components.push(loincComponent('48002-0', 'Genomic source class [Type]', { valueCodeableConcept: concept(LOINC, 'LA6684-0', 'Somatic') }));
  if (call.vaf !== undefined) {
    components.push(loincComponent('81258-6', 'Sample variant allelic frequency [NFr]', { valueQuantity: { value: Math.round(call.vaf * 10000) / 10000, system: 'http://unitsofmeasure.org', code: '1' } }));
  }
  if (call.depth !== undefined) components.push(loincComponent('82121-5', 'Allelic read depth', { valueQuantity: { value: call.depth, system: 'http://unitsofmeasure.org', code: '1' } }));
  components.push(
    loincComponent('62374-4', 'Human reference sequence assembly version', { valueCodeableConcept: concept(LOINC, ...ASSEMBLY[ctx.build]) }),
    loincComponent('92822-6', 'Genomic coordinate system [Type]', { valueCodeableConcept: concept(LOINC, 'LA30102-0', '1-based character counting') }),
    loincComponent('81254-5', 'Genomic allele start-end', { valueRange: { low: { value: call.pos }, high: { value: call.pos + call.ref.length - 1 } } }),
    loincComponent('69547-8', 'Genomic ref allele [ID]', { valueString: call.ref }),
    loincComponent('69551-0', 'Genomic alt allele [ID]', { valueString: call.alt }),
  );
  return {
    resourceType: 'Observation',
    id: variantObservationId(ctx, call),
    meta: { profile: [`${MCODE}/mcode-genomic-variant`] },
    status: 'final',
    category: [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory')],
    code: concept(LOINC, '69548-6', 'Genetic variant assessment'),
    subject: { reference: `Patient/${ctx.patientId}` },
    specimen: specimenNote(ctx),
    valueCodeableConcept: concept(LOINC, 'LA9633-4', 'Present'),
    component: components,
  };
}

/** The TMB observation (LOINC 94077-5, mutations per megabase). */
export function tmbObservation(ctx: ObservationContext, tmb: TmbResult): Observation {
  return {
    resourceType: 'Observation',
    id: tmbObservationId(ctx),
    meta: { profile: [`${MCODE}/mcode-tumor-marker-test`] },
    status: 'final',
    category: [concept('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory')],
    code: concept(LOINC, '94077-5', 'Tumor mutation burden [Interpretation] in Cancer specimen'),
    subject: { reference: `Patient/${ctx.patientId}` },
    specimen: specimenNote(ctx),
    valueQuantity: { value: Math.round(tmb.value * 100) / 100, unit: 'mutations/Mb', system: 'http://unitsofmeasure.org', code: '{mutations}/1000000{Base}' },
    method: { text: `${tmb.method}: ${tmb.count} variants / ${tmb.targetMb} Mb` },
  };
}

/**
 * A transaction Bundle with the observations of this import, plus the observations of the
 * specimen's previous import that this one no longer contains, marked entered-in-error.
 */
export function observationBundle(observations: readonly Observation[], withdrawn: readonly Resource[]): Bundle {
  const put = (resource: Resource): BundleEntry => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...observations.map(put), ...withdrawn.map((r) => put({ ...r, status: 'entered-in-error' } as Resource))],
  };
}
