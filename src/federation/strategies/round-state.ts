/** Reading strategy state back from storage: it is JSON that a past round wrote, so it is checked. */
import { z } from 'zod';
import { DomainError, ErrorCode } from '../../errors/domain-error.ts';
import type { RoundState, StrategyName } from './types.ts';

/**
 * Moments are stored as number arrays: JSON.stringify writes the shortest decimal that parses back
 * to the same double, so m and v survive a round-trip bit for bit. z.number() refuses the `null`
 * that NaN or ±Infinity would have become.
 */
export function momentSchema(parameterCount: number) {
  return z.array(z.number()).length(parameterCount);
}

/** The fields every stored state has, pinned to one strategy. */
export function roundStateSchema(name: StrategyName) {
  return z.object({ strategy: z.literal(name), round: z.number().int().min(0) });
}

/**
 * Parses stored state with `schema`. A mismatch means the stored state belongs to another strategy
 * or to a model of another size (the architecture changed mid-federation): a conflict, not a crash.
 */
export function parseStoredState<S extends RoundState>(schema: z.ZodType<S>, json: unknown, name: StrategyName): S {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ expression: ['state', ...i.path.map(String)].join('.'), message: i.message }));
  throw new DomainError(ErrorCode.CONFLICT, `stored server state does not fit strategy ${name} and this model`, issues);
}
