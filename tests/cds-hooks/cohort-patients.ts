/**
 * Generated patients for the CDS tests, as tests/graphql/therapy.test.ts picks them: an EGFR L858R
 * lung cancer and a KRAS G12 colorectal cancer (both with their VCFs), and a breast cancer.
 */
import { bgzip } from '../../src/cohort/bgzf.ts';
import { generateCohortInMemory, type GeneratedPatient } from '../../src/cohort/generate.ts';
import { builtInProfiles } from '../../src/cohort/profiles.ts';
import { writeVcf } from '../../src/cohort/vcf-writer.ts';
import type { Services } from '../../src/app.ts';
import type { Resource } from '@medplum/fhirtypes';

const [cohort] = generateCohortInMemory({ sites: 1, patientsPerSite: 200, seed: 5, profiles: [builtInProfiles()[0]!] });
const carrier = (hotspot: RegExp, cancer: string) =>
  cohort!.patients.find((p) => p.biology.cancer === cancer && p.calls?.some((c) => c.filter === 'PASS' && hotspot.test(c.hotspot ?? '')));

export const EGFR_LUNG = carrier(/^EGFR_L858R$/, 'lung')!;
export const KRAS_CRC = carrier(/^KRAS_G12/, 'colorectal')!;
export const BREAST = cohort!.patients.find((p) => p.biology.cancer === 'breast')!;
/** a second KRAS colorectal patient, never imported: the EHR supplies their record */
export const KRAS_CRC_UNSTORED = cohort!.patients.filter((p) => p.biology.cancer === 'colorectal' && p.calls?.some((c) => c.filter === 'PASS' && /^KRAS_G12/.test(c.hotspot ?? '')))[1]!;

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Imports a patient's Bundle and, when sequenced, their VCF. */
export async function importPatient(site: Services, p: GeneratedPatient): Promise<void> {
  await site.clinical.importBundle(p.bundle, 'test');
  if (!p.calls) return;
  const vcf = bgzip(writeVcf(p.calls, { annotation: 'CSQ', tumorSample: `${p.biology.id}-T`, normalSample: `${p.biology.id}-N`, fileDate: '2026-01-01' }));
  await site.genomics.importVariants(once(vcf), { patientId: p.biology.id, specimenId: 'tumour-1', fileName: 'v.vcf.gz', source: 'test' });
  await site.trials.refreshPatients([p.biology.id]);
}

/** A patient's resources by type, as an EHR would prefetch them (searchsets, and the Patient itself). */
export function prefetchOf(p: GeneratedPatient): Record<string, unknown> {
  const resources = (p.bundle.entry ?? []).map((e) => e.resource as Resource);
  const searchset = (type: string) => ({ resourceType: 'Bundle', type: 'searchset', entry: resources.filter((r) => r.resourceType === type).map((resource) => ({ resource, search: { mode: 'match' } })) });
  return {
    patient: resources.find((r) => r.resourceType === 'Patient'),
    conditions: searchset('Condition'),
    observations: searchset('Observation'),
    medications: searchset('MedicationRequest'),
  };
}

export const EGFR_TRIAL = {
  trialId: 'LOCAL-EGFR-1',
  title: 'EGFR-mutant lung cancer (test trial)',
  status: 'active',
  match: {
    and: [
      { clinical: { cancerType: 'lung', age: '>=18' } },
      { or: [{ genomic: { gene: 'EGFR', proteinChange: 'p.L858R' } }, { genomic: { gene: 'EGFR', exon: 19, proteinChange: 'p.E746_A750del' } }] },
    ],
  },
};
