/**
 * Strategy configuration, validated at the edge. Each strategy accepts only its own settings, so
 * a misplaced `mu` or `tau` is reported instead of silently ignored. Defaults follow FLamby
 * (`flamby/strategies/fed_opt.py` and the benchmark configs), except trimFraction (Flower's 0.2).
 *
 * Secure aggregation: FedAvg, FedProx and FedOpt need only Σ n_i·Δ_i and Σ n_i, so the sum that
 * secure aggregation reveals is enough (feed it to `aggregateFromSum`; n_i rides along as one more
 * summed coordinate so no single count is exposed either). Median and trimmed mean need every
 * individual update and are refused with it.
 */
import { z } from 'zod';
import { badInput } from '../../errors/domain-error.ts';
import { fedAvg } from './fed-avg.ts';
import { fedAdagrad, fedAdam, fedYogi } from './fed-opt.ts';
import { fedProx } from './fed-prox.ts';
import { fedMedian, fedTrimmedMean } from './robust.ts';
import type { Strategy, StrategyName } from './types.ts';

const serverLr = (fallback: number) => z.number().positive().finite().default(fallback);
const secureAggregation = z.boolean().default(false);
const fedOptFields = {
  serverLr: serverLr(1e-2),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  tau: z.number().positive().finite().default(1e-8),
  secureAggregation,
};

const ROBUST: readonly StrategyName[] = ['median', 'trimmed-mean'];

/** Why a robust aggregator and secure aggregation cannot be combined, in words an operator can act on. */
export function secureAggregationRefusal(name: StrategyName): string {
  return (
    `strategy "${name}" cannot run with secure aggregation: a robust aggregator takes coordinate-wise ` +
    'order statistics of each site\'s individual update, and secure aggregation reveals only their sum. ' +
    'Use fedavg, fedprox, fedadagrad, fedadam or fedyogi with secure aggregation, or turn it off.'
  );
}

/** One strategy's settings, discriminated by name; robust aggregators with secure aggregation are refused. */
export const StrategyConfigSchema = z
  .discriminatedUnion('name', [
    z.strictObject({ name: z.literal('fedavg'), serverLr: serverLr(1), secureAggregation }),
    z.strictObject({ name: z.literal('fedprox'), mu: z.number().min(0).finite(), serverLr: serverLr(1), secureAggregation }),
    z.strictObject({ name: z.literal('fedadam'), ...fedOptFields, biasCorrection: z.boolean().default(false) }),
    z.strictObject({ name: z.enum(['fedadagrad', 'fedyogi']), ...fedOptFields }),
    z.strictObject({ name: z.literal('median'), secureAggregation }),
    z.strictObject({ name: z.literal('trimmed-mean'), trimFraction: z.number().min(0).lt(0.5).default(0.2), secureAggregation }),
  ])
  .superRefine((config, ctx) => {
    if (config.secureAggregation && ROBUST.includes(config.name)) {
      ctx.addIssue({ code: 'custom', path: ['secureAggregation'], message: secureAggregationRefusal(config.name) });
    }
  });
/** A parsed strategy configuration with its defaults filled in. */
export type StrategyConfig = z.infer<typeof StrategyConfigSchema>;

/** Parses a strategy configuration; a bad one becomes BAD_INPUT naming each wrong setting. */
export function parseStrategyConfig(input: unknown): StrategyConfig {
  const parsed = StrategyConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ expression: ['strategy', ...i.path.map(String)].join('.'), message: i.message }));
  throw badInput(`invalid strategy configuration: ${issues.map((i) => `${i.expression}: ${i.message}`).join('; ')}`, issues);
}

/** Builds the strategy a parsed configuration describes. */
export function createStrategy(config: StrategyConfig): Strategy {
  // The schema already refuses this; checked again for configs built in code without parsing.
  if (config.secureAggregation && ROBUST.includes(config.name)) throw badInput(secureAggregationRefusal(config.name));
  switch (config.name) {
    case 'fedavg':
      return fedAvg({ serverLr: config.serverLr });
    case 'fedprox':
      return fedProx({ mu: config.mu, serverLr: config.serverLr });
    case 'fedadam':
      return fedAdam(config);
    case 'fedadagrad':
      return fedAdagrad(config);
    case 'fedyogi':
      return fedYogi(config);
    case 'median':
      return fedMedian();
    case 'trimmed-mean':
      return fedTrimmedMean({ trimFraction: config.trimFraction });
  }
}
