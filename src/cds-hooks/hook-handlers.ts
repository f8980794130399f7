/**
 * The three services: patient-view cards, and the order-select / order-sign checks. Each card
 * source runs on its own: one that fails is logged and left out, and the others still answer.
 */
import type { Logger } from '../logging/logger.ts';
import { REGIMENS } from '../cohort/therapies.ts';
import type { CardRecord } from './card.ts';
import type { InsightCache } from './insight-cache.ts';
import type { CdsHooksDeps } from './deps.ts';
import { draftedDrugs } from './draft-orders.ts';
import { resolveHookPatient, type ResolvedPatient } from './hook-patient.ts';
import type { HookRequest } from './hook-request.ts';
import { lowResponseCard, resistanceCard } from './order-cards.ts';
import { prognosisFor, responsesFor, therapiesFor, trialsFor } from './patient-insights.ts';
import { prognosisCard, therapyCard, trialsCard } from './patient-view-cards.ts';
import type { CdsServiceDefinition } from './service-definitions.ts';

export type HandlerDeps = CdsHooksDeps & { fetch: typeof globalThis.fetch; cache: InsightCache };

export interface HookAnswer {
  cards: CardRecord[];
  /** undefined when the hook needed no patient data (nothing anticancer drafted) */
  patient?: ResolvedPatient;
}

async function part<T>(logger: Logger, what: string, patientId: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    logger.error({ err, patientId, part: what }, 'cds card source failed');
    return undefined;
  }
}

/** patient-view: prognosis, therapy options and trials. */
export async function answerPatientView(deps: HandlerDeps, service: CdsServiceDefinition, request: HookRequest<'patient-view'>): Promise<HookAnswer> {
  const patient = await resolveHookPatient(deps, request, service.prefetch);
  const { config, logger } = deps;
  const options = {
    patientId: patient.patientId,
    topTherapies: config.topTherapies,
    topTrials: config.topTrials,
    drugNames: deps.drugNames,
    ...(config.smartAppUrl ? { smartAppUrl: config.smartAppUrl } : {}),
  };
  const [prognosis, therapies, trials] = await Promise.all([
    part(logger, 'prognosis', patient.patientId, () => prognosisFor(deps, patient)),
    part(logger, 'therapy', patient.patientId, () => therapiesFor(deps, patient)),
    part(logger, 'trials', patient.patientId, () => trialsFor(deps, patient)),
  ]);
  const cards = [
    prognosisCard(prognosis ?? null, options),
    therapies ? therapyCard(therapies, options) : undefined,
    trials ? trialsCard(trials, options) : undefined,
  ].filter((c): c is CardRecord => c !== undefined);
  return { cards, patient };
}

/** The formulary regimen (the response model's) whose ingredients are exactly these drugs. */
export function formularyRegimenOf(drugs: readonly string[]): string | undefined {
  const set = new Set(drugs);
  for (const r of REGIMENS.values()) if (r.drugs.length === set.size && r.drugs.every((d) => set.has(d.name))) return r.id;
  return undefined;
}

/** order-select and order-sign: resistance evidence and low predicted response for the drafted drugs. */
export async function answerOrderCheck(deps: HandlerDeps, service: CdsServiceDefinition, request: HookRequest<'order-select' | 'order-sign'>): Promise<HookAnswer> {
  const ctx = request.context;
  const selections = 'selections' in ctx ? (ctx.selections as string[]) : undefined;
  const drafted = draftedDrugs(ctx.draftOrders.entry as Parameters<typeof draftedDrugs>[0], deps.drugNames, selections);
  // nothing anticancer drafted: nothing to check, and no patient data to read
  if (drafted.drugs.length === 0) return { cards: [] };
  const patient = await resolveHookPatient(deps, request, service.prefetch);
  const { logger, config } = deps;
  const regimen = formularyRegimenOf(drafted.drugs);
  const [therapies, responses] = await Promise.all([
    part(logger, 'therapy', patient.patientId, () => therapiesFor(deps, patient)),
    regimen ? part(logger, 'response', patient.patientId, () => Promise.all([responsesFor(deps, patient, [regimen]), responsesFor(deps, patient)])) : undefined,
  ]);
  const cards = [
    therapies ? resistanceCard(therapies, drafted) : undefined,
    regimen && responses ? lowResponseCard(drafted, regimen, responses[0][0], responses[1], config.lowResponseThreshold) : undefined,
  ].filter((c): c is CardRecord => c !== undefined);
  return { cards, patient };
}
