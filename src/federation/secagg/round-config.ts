/**
 * The parameters of one round, fixed by the coordinator before round 0 and re-checked by every
 * site, since a site must not take the coordinator's word for a threshold that would expose it.
 */
import { badInput } from '../../errors/domain-error.ts';
import { MAX_SITES, MIN_SITES, type RoundConfig } from './messages.ts';
import { assertSumFits, DEFAULT_QUANTISATION, validateQuantisation } from './quantise.ts';

export interface RoundConfigOptions {
  roundId: string;
  sites: readonly string[];
  vectorLength: number;
  /** defaults to ⌊n/2⌋ + 1, the smallest honest-majority threshold, which tolerates the most dropouts */
  threshold?: number;
  clipRange?: number;
  quantRange?: number;
  /** turns weighting on; each site's weight must then lie in (0, maxWeight] */
  maxWeight?: number;
}

/** Builds and checks a round's configuration (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281). */
export function createRoundConfig(options: RoundConfigOptions): RoundConfig {
  const config: RoundConfig = {
    roundId: options.roundId,
    sites: [...options.sites],
    threshold: options.threshold ?? Math.floor(options.sites.length / 2) + 1,
    vectorLength: options.vectorLength,
    clipRange: options.clipRange ?? DEFAULT_QUANTISATION.clipRange,
    quantRange: options.quantRange ?? DEFAULT_QUANTISATION.quantRange,
  };
  if (options.maxWeight !== undefined) config.maxWeight = options.maxWeight;
  validateRoundConfig(config);
  return config;
}

/**
 * Throws unless `config` is safe to run. Besides t ≤ n, the threshold must be a strict majority
 * (2t > n): each honest site reveals either the b-share or the s-share of a peer, never both, so a
 * coordinator that tells some sites "u dropped" and others "u survived" could otherwise gather t
 * of each from two disjoint groups and strip u's masks completely. The paper's active-security
 * variant adds a signed consistency round for the same reason; this implementation is the
 * honest-but-curious one and relies on the majority.
 */
export function validateRoundConfig(config: RoundConfig): void {
  const n = config.sites.length;
  if (n < MIN_SITES || n > MAX_SITES) throw badInput(`a round needs ${MIN_SITES}-${MAX_SITES} sites, not ${n}`);
  if (new Set(config.sites).size !== n) throw badInput('a site is listed twice');
  const t = config.threshold;
  if (!Number.isInteger(t) || t > n || 2 * t <= n) throw badInput(`the threshold must be an integer with n/2 < t ≤ n (n = ${n}), not ${t}`);
  if (!Number.isInteger(config.vectorLength) || config.vectorLength < 1) throw badInput('vectorLength must be a positive integer');
  validateQuantisation(config);
  assertSumFits(config, n);
  if (config.maxWeight !== undefined) {
    if (!(Number.isFinite(config.maxWeight) && config.maxWeight > 0)) throw badInput('maxWeight must be a positive number');
    // The weight ratio w / maxWeight ≤ 1 goes through the same quantiser, so it must not be clipped.
    if (config.clipRange < 1) throw badInput('a weighted round needs clipRange ≥ 1 to carry the weight ratio');
  }
}

/** Words in each masked input: the update, plus the weight ratio in front in a weighted round. */
export function maskedLength(config: RoundConfig): number {
  return config.vectorLength + (config.maxWeight === undefined ? 0 : 1);
}

/** x-coordinate of each site's Shamir share: its 1-based position among the sorted site ids of U1. */
export function shareXs(sortedSiteIds: readonly string[]): Map<string, number> {
  return new Map(sortedSiteIds.map((id, i) => [id, i + 1]));
}
