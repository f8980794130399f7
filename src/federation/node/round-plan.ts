import { z } from 'zod';
import { badInput } from '../../errors/domain-error.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Coordinator } from '../coordinator/coordinator.ts';
import { OpenRoundOptionsSchema } from '../coordinator/open-round.ts';

/**
 * A training plan a coordinator follows by itself: `rounds` rounds of one lineage, each opened when
 * the previous one has ended, with the same settings. A round that fails (quorum not reached by the
 * deadline) is opened again, at most `maxFailures` times in all, so a federation whose sites are
 * down stops instead of spinning.
 */
export const RoundPlanSchema = z.strictObject({
  federationId: z.string(),
  lineageId: z.string(),
  rounds: z.number().int().min(1).max(10_000),
  maxFailures: z.number().int().min(0).max(1000).default(3),
  round: OpenRoundOptionsSchema.omit({ federationId: true, lineageId: true, roundId: true }),
});
export type RoundPlan = z.infer<typeof RoundPlanSchema>;

/** Checks a plan read from a file or options, naming the bad setting. */
export function parseRoundPlan(input: unknown): RoundPlan {
  const parsed = RoundPlanSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ expression: ['plan', ...i.path.map(String)].join('.'), message: i.message }));
    throw badInput(`invalid round plan: ${issues.map((i) => `${i.expression}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}

export type PlanProgress = { state: 'waiting' | 'opened' | 'done' | 'stopped'; closed: number; failed: number; roundId?: string };

/** Opens the plan's next round when nothing is live; call it after every tick. */
export async function advancePlan(coordinator: Coordinator, plan: RoundPlan, logger: Logger): Promise<PlanProgress> {
  const { rounds } = await coordinator.status({ federationId: plan.federationId, limit: 10_000 });
  const own = rounds.filter((r) => r.lineageId === plan.lineageId);
  const closed = own.filter((r) => r.state === 'closed').length;
  const failed = own.filter((r) => r.state === 'failed').length;
  if (closed >= plan.rounds) return { state: 'done', closed, failed };
  if (failed > plan.maxFailures) return { state: 'stopped', closed, failed };
  if (rounds.some((r) => r.state !== 'closed' && r.state !== 'failed')) return { state: 'waiting', closed, failed };
  const row = await coordinator.openRound({ ...plan.round, federationId: plan.federationId, lineageId: plan.lineageId });
  logger.info({ round: row.id, lineage: plan.lineageId, number: closed + 1, of: plan.rounds }, 'plan opened a round');
  return { state: 'opened', closed, failed, roundId: row.id };
}
