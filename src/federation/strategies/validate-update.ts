/**
 * Screening of site updates before aggregation. A rejected update is dropped from the round and
 * the coordinator logs the reason code (never the values: they are derived from patient data).
 * With secure aggregation the server never sees a single update, so these checks must then run
 * on the sites or be proven to the server; here they serve plain (non-secagg) rounds.
 */
import type { SiteUpdate } from './types.ts';
import { deltaOf } from './weighted-sum.ts';

/** Why an update was dropped; the coordinator logs the code with the site id. */
export const UpdateRejection = {
  WRONG_LENGTH: 'WRONG_LENGTH',
  NON_FINITE: 'NON_FINITE',
  BAD_NUM_EXAMPLES: 'BAD_NUM_EXAMPLES',
  TOO_MANY_EXAMPLES: 'TOO_MANY_EXAMPLES',
  NORM_TOO_LARGE: 'NORM_TOO_LARGE',
} as const;
export type UpdateRejection = (typeof UpdateRejection)[keyof typeof UpdateRejection];

export interface ValidateUpdateOptions {
  /** largest accepted L2 norm of the delta ‖w_i − w_global‖₂ (weights are turned into a delta first) */
  maxDeltaNorm?: number;
  /**
   * largest accepted numExamples. Weighted rules (FedAvg, FedOpt) let a site that claims a huge
   * count outvote the rest, so cap it at the site's known dataset size where one is registered.
   */
  maxNumExamples?: number;
}

/** Returns why `update` must not be aggregated against `global`, or null when it may. */
export function validateUpdate(global: Float64Array, update: SiteUpdate, options: ValidateUpdateOptions = {}): UpdateRejection | null {
  const n = update.numExamples;
  if (!Number.isSafeInteger(n) || n <= 0) return UpdateRejection.BAD_NUM_EXAMPLES;
  if (options.maxNumExamples !== undefined && n > options.maxNumExamples) return UpdateRejection.TOO_MANY_EXAMPLES;
  const values = update.delta ?? update.weights;
  if (values.length !== global.length) return UpdateRejection.WRONG_LENGTH;
  for (const x of values) if (!Number.isFinite(x)) return UpdateRejection.NON_FINITE;
  if (options.maxDeltaNorm !== undefined) {
    if (!(l2Norm(deltaOf(global, update)) <= options.maxDeltaNorm)) return UpdateRejection.NORM_TOO_LARGE;
  }
  return null;
}

/** ‖x‖₂, scaled by max|x_j| first so that squaring huge (finite) values cannot overflow to Infinity. */
function l2Norm(x: Float64Array): number {
  let scale = 0;
  for (const v of x) scale = Math.max(scale, Math.abs(v));
  // w − w_global can itself overflow for finite weights; Infinity then fails any bound.
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let sq = 0;
  for (const v of x) sq += (v / scale) ** 2;
  return scale * Math.sqrt(sq);
}

/** A round's updates split by `screenUpdates`. */
export interface ScreenedUpdates {
  accepted: SiteUpdate[];
  /** index into the input list and the reason, for the coordinator's log */
  rejected: { index: number; reason: UpdateRejection }[];
}

/** Splits a round's updates into those to aggregate and those to drop, keeping input order. */
export function screenUpdates(global: Float64Array, updates: readonly SiteUpdate[], options: ValidateUpdateOptions = {}): ScreenedUpdates {
  const out: ScreenedUpdates = { accepted: [], rejected: [] };
  updates.forEach((u, index) => {
    const reason = validateUpdate(global, u, options);
    if (reason) out.rejected.push({ index, reason });
    else out.accepted.push(u);
  });
  return out;
}
