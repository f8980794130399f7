/**
 * Opening a round: the operator's settings, checked at the edge, become a round row. The invited
 * sites are the federation's active sites at that moment; a site registered later waits for the
 * next round, since a secure-aggregation roster cannot grow once keys are exchanged.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { badInput, DomainError, ErrorCode, notFound } from '../../errors/domain-error.ts';
import type { Database } from '../../storage/port.ts';
import { DpSettingsSchema, LineageIdSchema } from '../protocol/messages.ts';
import { RoundIdSchema, SiteIdSchema } from '../secagg/messages.ts';
import { parseStrategyConfig } from '../strategies/strategy-config.ts';
import type { RoundContext } from './context.ts';
import { findLineage, latestVersionNumber, listSites } from './registry-store.ts';
import { insertRound, liveRoundId } from './round-store.ts';
import { startSecAgg } from './secagg-rounds.ts';
import type { RoundRow } from './types.ts';

/** A round's settings as an operator (CLI, GraphQL) gives them. */
export const OpenRoundOptionsSchema = z.strictObject({
  federationId: SiteIdSchema,
  lineageId: LineageIdSchema,
  /** generated when absent */
  roundId: RoundIdSchema.optional(),
  /** a strategy configuration (see StrategyConfigSchema); `secureAggregation: true` turns secure aggregation on */
  strategy: z.unknown(),
  localSteps: z.number().int().min(1).max(1e6),
  learningRate: z.number().positive().max(1e3),
  batchSize: z.number().int().min(1).max(1e6),
  dp: DpSettingsSchema.nullable().default(null),
  /** fewest updates the round needs; with secure aggregation, at least its threshold t */
  quorum: z.number().int().min(1),
  /** updates after which the round closes early; defaults to the quorum */
  target: z.number().int().min(1).optional(),
  /** from opening to the deadline, ms */
  durationMs: z.number().int().positive().max(30 * 24 * 3600 * 1000),
  maxDeltaNorm: z.number().positive().optional(),
  /** cap on numExamples; required with secure aggregation, where it is the weight scale (maxWeight) */
  maxNumExamples: z.number().int().positive().optional(),
  secAgg: z.strictObject({ threshold: z.number().int().min(2).optional(), clipRange: z.number().positive().optional(), quantRange: z.number().int().min(2).optional() }).optional(),
});
export type OpenRoundOptions = z.input<typeof OpenRoundOptionsSchema>;

/** Checks the settings and stores the new round; returns its row. */
export async function openRound(db: Database, input: OpenRoundOptions, ctx: RoundContext): Promise<RoundRow> {
  const parsed = OpenRoundOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ expression: ['round', ...i.path.map(String)].join('.'), message: i.message }));
    throw badInput(`invalid round settings: ${issues.map((i) => `${i.expression}: ${i.message}`).join('; ')}`, issues);
  }
  const o = parsed.data;
  const strategy = parseStrategyConfig(o.strategy);
  const lineage = await findLineage(db, o.lineageId);
  if (!lineage || lineage.federationId !== o.federationId) throw notFound(`lineage ${o.lineageId} is not a lineage of federation ${o.federationId}`);
  const invited = (await listSites(db, o.federationId)).filter((s) => s.status === 'active').map((s) => s.siteId);
  const live = await liveRoundId(db, o.federationId);
  if (live) throw new DomainError(ErrorCode.CONFLICT, `federation ${o.federationId} already has a live round, ${live}`);

  const id = o.roundId ?? randomUUID();
  const secagg = strategy.secureAggregation;
  let quorum = o.quorum;
  let secaggState: RoundRow['secaggState'] = null;
  if (secagg) {
    if (o.maxNumExamples === undefined) throw badInput('a round with secure aggregation needs maxNumExamples: it scales each site\'s weight into the masked sum');
    secaggState = startSecAgg({ roundId: id, sites: invited, vectorLength: lineage.parameterCount, maxWeight: o.maxNumExamples, ...dropUndefined(o.secAgg ?? {}) });
    // fewer than t masked inputs cannot be unmasked at all
    quorum = Math.max(quorum, secaggState.protocol.config.threshold);
  }
  const target = Math.max(o.target ?? quorum, quorum);
  if (target > invited.length) throw badInput(`the round needs ${target} site(s) but federation ${o.federationId} has ${invited.length} active`);

  const round: RoundRow = {
    id,
    federationId: o.federationId,
    lineageId: o.lineageId,
    baseVersion: await latestVersionNumber(db, o.lineageId),
    strategy,
    localSteps: o.localSteps,
    learningRate: o.learningRate,
    batchSize: o.batchSize,
    mu: strategy.name === 'fedprox' ? strategy.mu : null,
    dp: o.dp,
    secagg,
    secaggState,
    stageDeadline: secagg ? ctx.now + ctx.secAggStepMs : null,
    quorum,
    target,
    maxDeltaNorm: o.maxDeltaNorm ?? null,
    maxNumExamples: o.maxNumExamples ?? null,
    invited,
    deadline: ctx.now + o.durationMs,
    state: 'open',
    failure: null,
    resultVersion: null,
    openedAt: ctx.now,
    closedAt: null,
  };
  try {
    await insertRound(db, round);
  } catch (err) {
    // the partial unique index: another operator opened a round in the meantime
    if ((err as { code?: string }).code === '23505') throw new DomainError(ErrorCode.CONFLICT, `federation ${o.federationId} already has a live round, or round ${id} exists`);
    throw err;
  }
  ctx.logger.info({ roundId: id, federationId: o.federationId, lineageId: o.lineageId, strategy: strategy.name, secagg, invited: invited.length, quorum, target }, 'federation round opened');
  return round;
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
