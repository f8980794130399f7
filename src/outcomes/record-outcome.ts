/**
 * Records what happened on a line of therapy (issue 7, "Outcomes"): the input is checked (shape,
 * then timeline), written as FHIR resources into the patient's record (outcome-resources.ts) and
 * as a training-label row with its derived PFS and OS (survival.ts), all in one import: the
 * resources, the row and the refreshed clinical summary commit together or not at all.
 */
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import type { ClinicalService } from '../clinical/clinical-service.ts';
import type { ClinicalSummary } from '../clinical/mcode/types.ts';
import { badInput, notFound, type InputIssue } from '../errors/domain-error.ts';
import { dayNumber } from '../federation/site-data/outcome-labels.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database, SqlClient } from '../storage/port.ts';
import { parseOutcomeInput, type OutcomeInput } from './outcome-input.ts';
import { outcomeIdStem, outcomeResources, withdrawn } from './outcome-resources.ts';
import { readPatientOutcomes, saveSurvival, upsertOutcome, type OutcomeRow } from './outcome-store.ts';
import { deriveSurvival, responseLabel, type LineSurvival, type SurvivalLabel } from './survival.ts';
import { checkTimeline } from './timeline-rules.ts';
import { resolveTherapy, type ResolvedTherapy } from './therapy-drugs.ts';

/** The site's database (label rows) and clinical record (FHIR resources and summaries). */
export interface OutcomeServices {
  db: Database;
  clinical: Pick<ClinicalService, 'importBundle' | 'summaries' | 'resource' | 'resourcesById'>;
  logger: Logger;
  /** the site's clock (tests pin it); "today" is its UTC calendar date */
  now?: () => Date;
}

/** What was recorded: the derived labels and the resources written. */
export interface RecordedOutcome {
  patientId: string;
  line: number;
  /** the formulary regimen, when the drugs are one */
  regimen?: string;
  therapy: string;
  responseLabel?: 0 | 1;
  pfs: SurvivalLabel;
  os: SurvivalLabel;
  importId: string;
  /** what was written, `Type/id` with its new version */
  resources: { resourceType: string; id: string; version: number; outcome: string }[];
  /** accepted, but worth knowing (an early assessment, a start before the diagnosis) */
  warnings: InputIssue[];
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function reject(issues: readonly InputIssue[]): never {
  throw badInput(`outcome rejected: ${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was stored`, issues);
}

/** Drugs the record already files under this line that the therapy does not include (from the EHR, say). */
function lineConflict(summary: ClinicalSummary, input: OutcomeInput, therapy: ResolvedTherapy): InputIssue | undefined {
  const stem = outcomeIdStem(input.patientId, input.line);
  const ours = new Set(therapy.drugs.map((d) => d.rxnorm));
  const others = summary.medications
    .filter((m) => m.line === input.line && !m.source.id.startsWith(`${stem}-`))
    .flatMap((m) => m.codes.filter((c) => c.system === RXNORM && c.code).map((c) => c.code as string))
    .filter((code) => !ours.has(code));
  if (others.length === 0) return undefined;
  return { expression: 'line', message: `line ${input.line} in the record also holds RxNorm ${[...new Set(others)].join(', ')}, which this therapy does not include` };
}

/** Events of other recorded lines after a death: a death cannot precede what was seen later. */
function eventsAfterDeath(rows: readonly OutcomeRow[], death: string, input: OutcomeInput): InputIssue[] {
  const at = input.death ? 'death.date' : 'line';
  return rows
    .filter((r) => r.line !== input.line)
    .flatMap((r) => {
      const dated: [string, string | undefined][] = [['started', r.startDate], ['was assessed', r.bestResponse?.date], ['progressed', r.progressionDate], ['was last followed up', r.lastFollowUp]];
      const late = dated.filter(([, d]) => d !== undefined && (dayNumber(d) as number) > (dayNumber(death) as number));
      return late.map(([what, d]) => ({ expression: at, message: `line ${r.line} ${what} on ${d}, after death on ${death}` }));
    });
}

/** Records an outcome; throws BAD_INPUT with located issues, or NOT_FOUND for an unknown patient. */
export async function recordOutcome(services: OutcomeServices, json: unknown): Promise<RecordedOutcome> {
  const input = parseOutcomeInput(json);
  const resolved = resolveTherapy(input.therapy);
  if ('issues' in resolved) reject(resolved.issues);
  const { therapy } = resolved;
  const [stored] = await services.clinical.summaries([input.patientId]);
  const patient = (await services.clinical.resource('Patient', input.patientId))?.content as Patient | undefined;
  if (!stored || !patient) throw notFound(`Patient/${input.patientId} is not stored at this site`);
  const summary = stored.summary;
  const primary = summary.primaryCancer;
  if (!primary) reject([{ expression: 'patientId', message: "the patient's record has no primary cancer condition; record the diagnosis before its treatment outcomes" }]);

  const today = (services.now?.() ?? new Date()).toISOString().slice(0, 10);
  const timeline = checkTimeline(input, {
    today,
    ...(summary.deceasedDate ? { recordedDeath: summary.deceasedDate.value } : {}),
    ...(primary.diagnosisDate ? { diagnosisDate: primary.diagnosisDate } : {}),
  });
  const conflict = lineConflict(summary, input, therapy);
  if (timeline.issues.length > 0 || conflict) reject([...timeline.issues, ...(conflict ? [conflict] : [])]);

  const resources = outcomeResources({ input, therapy, conditionId: primary.source.id, patient, today });
  const written = resources.map((r) => `${r.resourceType}/${r.id}`);
  // resources an earlier record of this line wrote and this one does not (a progression taken back)
  const stem = outcomeIdStem(input.patientId, input.line);
  const prior = (await readPatientOutcomes(services.db, input.patientId)).find((r) => r.line === input.line);
  const dropped = (prior?.resourceIds ?? []).filter((key) => !written.includes(key) && key.split('/')[1]?.startsWith(`${stem}-`));
  for (const key of dropped) {
    const [type, id] = key.split('/') as [string, string];
    const [old] = await services.clinical.resourcesById(type, [id]);
    if (old) resources.push(withdrawn(old.content));
  }

  const recordedDeath = summary.deceasedDate?.value.slice(0, 10);
  const derived: { line?: LineSurvival } = {};
  const within = async (tx: SqlClient) => {
    await upsertOutcome(tx, {
      patientId: input.patientId,
      line: input.line,
      ...(therapy.regimen ? { regimen: therapy.regimen } : {}),
      therapyName: therapy.name,
      rxnorm: therapy.drugs.map((d) => d.rxnorm),
      startDate: input.startDate,
      ...(input.bestResponse ? { bestResponse: input.bestResponse } : {}),
      ...(input.progressionDate ? { progressionDate: input.progressionDate } : {}),
      ...(input.death ? { deathDate: input.death.date } : {}),
      ...(input.lastFollowUp ? { lastFollowUp: input.lastFollowUp } : {}),
      ...(input.followedSuggestion !== undefined ? { followedSuggestion: input.followedSuggestion } : {}),
      ...(input.bestResponse ? { responseLabel: responseLabel(input.bestResponse.category)! } : {}),
      resourceIds: written,
    });
    // read under the patient's lock: another line recorded at the same time is seen here
    const rows = await readPatientOutcomes(tx, input.patientId);
    const death = input.death?.date ?? recordedDeath ?? rows.map((r) => r.deathDate).filter((d): d is string => !!d).sort().at(-1);
    if (death) {
      const late = eventsAfterDeath(rows, death, input);
      if (late.length > 0) reject(late);
    }
    const survival = deriveSurvival(rows, death);
    await saveSurvival(tx, input.patientId, survival);
    derived.line = survival.find((s) => s.line === input.line);
  };
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource: Resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
  };
  const result = await services.clinical.importBundle(bundle, 'outcome', { within });
  const survival = derived.line;
  if (!survival) throw new Error('the recorded line has no derived survival');
  const label = responseLabel(input.bestResponse?.category);
  services.logger.info({ patientId: input.patientId, line: input.line, resources: result.entries.length, warnings: timeline.warnings.length }, 'outcome recorded');
  return {
    patientId: input.patientId,
    line: input.line,
    ...(therapy.regimen ? { regimen: therapy.regimen } : {}),
    therapy: therapy.name,
    ...(label !== undefined ? { responseLabel: label } : {}),
    pfs: survival.pfs,
    os: survival.os,
    importId: result.importId,
    resources: result.entries.map((e) => ({ resourceType: e.resourceType, id: e.id, version: e.version, outcome: e.outcome })),
    warnings: timeline.warnings,
  };
}
