/**
 * `POST [base]/ResearchStudy/$match` as the CodeX trial-matching IG defines it
 * (https://build.fhir.org/ig/standardhealth/fsh-pct/, OperationDefinition ClinicalTrialMatchService):
 * a patient's mCODE Bundle in, a searchset Bundle of ResearchStudy out, each entry with
 * `search.mode = match`, `search.score` in [0, 1] and the core `match-grade` extension
 * (http://hl7.org/fhir/StructureDefinition/match-grade). Sangam adds, per entry, the result of
 * every criterion. The Bundle may carry a Parameters resource with the IG's `phase` and
 * `recruitmentStatus` filters. Nothing is stored.
 */
import type { Bundle, BundleEntry, Extension, Parameters, ResearchStudy, Resource } from '@medplum/fhirtypes';
import { readBundleInput } from '../../clinical/ingest/bundle-input.ts';
import { resolveReferences } from '../../clinical/ingest/resolve-references.ts';
import type { ClinicalSummary } from '../../clinical/mcode/types.ts';
import { badInput } from '../../errors/domain-error.ts';
import type { TrialDefinition, TriState } from '../eligibility/types.ts';
import { todayUtc } from '../evaluate/evaluate-criterion.ts';
import type { FhirPathRunner } from '../evaluate/fhirpath-criterion.ts';
import { matchTrials, type TrialMatch } from '../evaluate/match-trials.ts';
import { derivePatientFacts } from '../facts/patient-facts.ts';
import type { TrialRegistryReader } from '../registry/trial-registry.ts';

export const MATCH_GRADE_URL = 'http://hl7.org/fhir/StructureDefinition/match-grade';
export const CRITERION_EXTENSION_URL = 'http://sangam.example.org/fhir/StructureDefinition/trial-match-criterion';

export interface MatchResearchStudiesOptions {
  /** the site's mCODE mapping (`mapClinicalSummary` with the code tables) */
  summarise: (patientId: string, resources: Resource[]) => ClinicalSummary;
  /** largest Bundle accepted */
  maxEntries: number;
  fhirpath?: FhirPathRunner;
  asOf?: string;
  /** also return trials the patient is not eligible for, graded `certainly-not` with score 0 */
  includeNotEligible?: boolean;
}

const GRADE: Record<TriState, string> = { MET: 'probable', UNKNOWN: 'possible', NOT_MET: 'certainly-not' };

/** The study as stored, or a minimal ResearchStudy for a trial registered from an eligibility document alone. */
function studyOf(t: TrialDefinition): ResearchStudy {
  if (t.researchStudy) return t.researchStudy;
  return {
    resourceType: 'ResearchStudy',
    id: t.id,
    ...(/^NCT\d{8}$/.test(t.id) ? { identifier: [{ use: 'official', system: 'http://clinicaltrials.gov', value: t.id }] } : {}),
    title: t.title,
    status: t.status as ResearchStudy['status'],
    ...(t.phase ? { phase: { text: t.phase } } : {}),
    ...(t.conditions.length > 0 ? { condition: t.conditions.map((text) => ({ text })) } : {}),
  };
}

function criterionExtension(c: TrialMatch['criteria'][number]): Extension {
  return {
    url: CRITERION_EXTENSION_URL,
    extension: [
      { url: 'id', valueString: c.id },
      { url: 'text', valueString: c.text },
      { url: 'result', valueCode: c.result },
      { url: 'exclusion', valueBoolean: c.exclusion },
      ...(c.observed ? [{ url: 'observed', valueString: c.observed }] : []),
      ...(c.reason ? [{ url: 'reason', valueString: c.reason }] : []),
    ],
  };
}

function entryOf(m: TrialMatch): BundleEntry<ResearchStudy> {
  // structured criteria cannot vouch for the free-text ones, so a full match is "probable", not "certain"
  const grade = m.overall === 'MET' && !m.trial.criteriaText ? 'certain' : GRADE[m.overall];
  return {
    resource: studyOf(m.trial),
    search: {
      mode: 'match',
      score: Math.round(m.score * 1000) / 1000,
      extension: [{ url: MATCH_GRADE_URL, valueCode: grade }, ...m.criteria.map(criterionExtension)],
    },
  };
}

function parameter(p: Parameters | undefined, name: string): string | undefined {
  const v = p?.parameter?.find((x) => x.name === name);
  return v?.valueString ?? v?.valueCode ?? undefined;
}

/**
 * Matches the one patient of a Bundle against the registry's trials. Every trial except those
 * the patient is not eligible for is returned, eligible ones first.
 */
export async function matchResearchStudies(patientBundle: unknown, registry: TrialRegistryReader, options: MatchResearchStudiesOptions): Promise<Bundle<ResearchStudy>> {
  const input = readBundleInput(patientBundle, options.maxEntries);
  const resolved = resolveReferences(input.entries);
  if (resolved.errors.length > 0) throw badInput('Patient Bundle rejected', resolved.errors.slice(0, 100));
  const patients = resolved.entries.filter((e) => e.resource.resourceType === 'Patient');
  if (patients.length !== 1) {
    throw badInput('$match needs a Bundle with exactly one Patient', [{ expression: 'Bundle.entry', message: `found ${patients.length} Patient resources` }]);
  }
  const patientId = (patients[0] as (typeof patients)[number]).resource.id;
  const record = resolved.entries.filter((e) => e.patientId === patientId).map((e) => e.resource as Resource);
  const medications = resolved.entries.filter((e) => e.resource.resourceType === 'Medication').map((e) => e.resource as Resource);
  const params = resolved.entries.find((e) => e.resource.resourceType === 'Parameters')?.resource as Parameters | undefined;

  const summary = options.summarise(patientId, [...record, ...medications]);
  // a Bundle carries reported variants only: no call set, so a gene without a report is UNKNOWN
  const facts = derivePatientFacts(summary, { sequenced: false, variants: [] });
  const status = parameter(params, 'recruitmentStatus');
  const phase = parameter(params, 'phase');
  const trials = (await registry.list()).filter(
    (t) => (!status || t.status === status) && (!phase || (t.phase ?? '').toLowerCase() === phase.toLowerCase()),
  );
  const matches = matchTrials(
    trials,
    facts,
    { asOf: options.asOf ?? todayUtc(), record, ...(options.fhirpath ? { fhirpath: options.fhirpath } : {}) },
    { includeNotEligible: options.includeNotEligible ?? false },
  );
  return { resourceType: 'Bundle', type: 'searchset', total: matches.length, entry: matches.map(entryOf) };
}
