/**
 * Rényi DP accountant for the sampled Gaussian mechanism (SGM), the mechanism DP-SGD runs once per
 * step: Mironov, Talwar & Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", https://arxiv.org/abs/1908.10530. The numerics follow Opacus
 * `opacus/accountants/analysis/rdp.py` (itself TF Privacy's `rdp_accountant.py`), so the epsilons
 * reported here match what a site would get from Opacus with the same history.
 */
import { badInput } from '../../errors/domain-error.ts';
import { logAdd, logErfc, logSub } from './log-space.ts';

/** `steps` consecutive SGM steps with one sampling rate and one noise multiplier. */
export interface SgmSteps {
  /** Poisson sampling rate q in [0, 1]: each example joins a batch with this probability. */
  sampleRate: number;
  /** σ: noise standard deviation divided by the L2 clipping norm. */
  noiseMultiplier: number;
  steps: number;
}

/** Opacus `RDPAccountant.DEFAULT_ALPHAS`: 1.1, 1.2, …, 10.9, then 12, 13, …, 63. */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10.0),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/**
 * How an RDP curve becomes (ε, δ)-DP.
 * - `balle2020`: ε = rdp − (log δ + log α)/(α − 1) + log((α − 1)/α), Balle et al. 2020, "Hypothesis
 *   testing interpretations and Rényi differential privacy", Theorem 21 (https://arxiv.org/abs/1905.09982).
 *   Opacus and dp_accounting use it (dp_accounting adds the KL rule described at epsilonFromRdp).
 * - `mironov2017`: ε = rdp − log δ/(α − 1), Mironov 2017, "Rényi Differential Privacy", Proposition 3
 *   (https://arxiv.org/abs/1702.07476). Looser; kept to compare with numbers published before 2020.
 */
export type RdpConversion = 'balle2020' | 'mironov2017';

/** An (ε, δ) guarantee and the Rényi order that gave the smallest ε. */
export interface PrivacySpent {
  epsilon: number;
  delta: number;
  /** NaN when no order gives a finite ε. */
  order: number;
}

// The fractional series stops at terms below e^-30 (Opacus's rule): A_α ≥ 1, so the dropped tail moves
// log A_α by about 1e-13.
const SERIES_TAIL = -30;
// A series still growing after this many terms has no useful bound at that order: report +∞ there,
// which only drops the order from the minimum (dp_accounting `_MAX_STEPS_LOG_A_FRAC`).
const MAX_SERIES_TERMS = 1000;

/** log A_α for integer α, by the binomial expansion (paper §3.3). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  let logA = -Infinity;
  let logBinom = 0;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const term = logBinom + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/**
 * log A_α for fractional α: the two half-line integrals split at z0, each an infinite series whose
 * binomial coefficients alternate in sign once i > α (paper §3.3). If rounding ever makes a partial
 * sum negative, the same series with |coefficients| is returned instead: it bounds A_α from above
 * (dp_accounting's choice since 2024), so the accountant never under-reports.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const scale = Math.SQRT2 * sigma;
  let signed0 = -Infinity;
  let signed1 = -Infinity;
  let upper0 = -Infinity;
  let upper1 = -Infinity;
  let signedOk = true;
  let logCoef = 0;
  let positive = true;
  for (let i = 0; i < MAX_SERIES_TERMS; i++) {
    if (i > 0) {
      const ratio = (alpha - (i - 1)) / i;
      logCoef += Math.log(Math.abs(ratio));
      if (ratio < 0) positive = !positive;
    }
    const j = alpha - i;
    const s0 = logCoef + i * logQ + j * log1mQ + (i * i - i) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((i - z0) / scale);
    const s1 = logCoef + j * logQ + i * log1mQ + (j * j - j) / (2 * sigma * sigma) + Math.log(0.5) + logErfc((z0 - j) / scale);
    upper0 = logAdd(upper0, s0);
    upper1 = logAdd(upper1, s1);
    if (signedOk) {
      signed0 = positive ? logAdd(signed0, s0) : logSub(signed0, s0);
      signed1 = positive ? logAdd(signed1, s1) : logSub(signed1, s1);
      signedOk = !Number.isNaN(signed0) && !Number.isNaN(signed1);
    }
    if (Math.max(s0, s1) < SERIES_TAIL) return signedOk ? logAdd(signed0, signed1) : logAdd(upper0, upper1);
  }
  return Infinity;
}

/** RDP of one SGM step at order α (Opacus `_compute_rdp`). */
function rdpOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0 || alpha === Infinity) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  return logA / (alpha - 1);
}

function checkSteps({ sampleRate, noiseMultiplier, steps }: SgmSteps): void {
  if (!(sampleRate >= 0 && sampleRate <= 1)) throw badInput(`sampling rate must be in [0, 1], got ${sampleRate}`);
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw badInput(`noise multiplier must be a finite number ≥ 0, got ${noiseMultiplier}`);
  }
  if (!Number.isSafeInteger(steps) || steps < 0) throw badInput(`steps must be a whole number ≥ 0, got ${steps}`);
}

function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw badInput('at least one Rényi order is needed');
  for (const a of orders) if (!(a > 1)) throw badInput(`Rényi orders must be > 1, got ${a}`);
}

/**
 * RDP of `steps` SGM steps at each order (`compute_rdp` in Opacus/TF Privacy). Steps compose by
 * adding RDP, so the value is the one-step RDP times `steps`. Entries may be +Infinity.
 */
export function computeRdp(
  q: number,
  noiseMultiplier: number,
  steps: number,
  orders: readonly number[] = DEFAULT_ORDERS,
): number[] {
  checkSteps({ sampleRate: q, noiseMultiplier, steps });
  checkOrders(orders);
  if (steps === 0) return orders.map(() => 0);
  return orders.map((a) => rdpOneStep(q, noiseMultiplier, a) * steps);
}

/**
 * The smallest ε over the orders at which an RDP curve gives (ε, δ)-DP (Opacus `get_privacy_spent`,
 * conversion per {@link RdpConversion}; default Balle et al. 2020 Theorem 21). An RDP value below
 * −log(1 − δ²) gives ε = 0 through the KL bound δ ≤ √(1 − e^−rdp), as dp_accounting `compute_epsilon`
 * does; this is what makes an empty history cost nothing.
 */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: readonly number[],
  delta: number,
  conversion: RdpConversion = 'balle2020',
): PrivacySpent {
  if (orders.length !== rdp.length) throw badInput(`${orders.length} orders but ${rdp.length} RDP values`);
  if (!(delta > 0 && delta < 1)) throw badInput(`delta must be in (0, 1), got ${delta}`);
  checkOrders(orders);
  let best: PrivacySpent = { epsilon: Infinity, delta, order: Number.NaN };
  orders.forEach((a, k) => {
    const r = rdp[k] as number;
    let eps: number;
    if (r < -Math.log1p(-delta * delta)) eps = 0;
    else if (conversion === 'mironov2017') eps = r - Math.log(delta) / (a - 1);
    else eps = r - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), delta, order: a };
  });
  return best;
}

/** Options of {@link noiseMultiplierFor}. */
export interface NoiseMultiplierOptions {
  orders?: readonly number[];
  /** The search stops once ε is within this of the target, from below (Opacus default 0.01). */
  epsilonTolerance?: number;
  conversion?: RdpConversion;
}

// Opacus `MAX_SIGMA`: a budget that needs more noise than this is not worth training for.
const MAX_NOISE_MULTIPLIER = 1e6;
// ε(σ) can jump past the tolerance band (the KL rule in epsilonFromRdp drops it to 0), where Opacus's
// loop would never end; stopping early still returns a σ whose ε is below the target.
const MAX_BISECTIONS = 200;

/**
 * The noise multiplier that keeps `steps` SGM steps at rate q within (targetEpsilon, delta), by the
 * same doubling-then-bisection as Opacus `get_noise_multiplier`
 * (`opacus/accountants/utils.py`); the answer errs on the side of more noise (ε ≤ target).
 */
export function noiseMultiplierFor(
  targetEpsilon: number,
  delta: number,
  q: number,
  steps: number,
  options: NoiseMultiplierOptions = {},
): number {
  const { orders = DEFAULT_ORDERS, epsilonTolerance = 0.01, conversion = 'balle2020' } = options;
  if (!(targetEpsilon > 0)) throw badInput(`target epsilon must be > 0, got ${targetEpsilon}`);
  checkSteps({ sampleRate: q, noiseMultiplier: 0, steps });
  // Steps that never touch the data cost nothing, whatever the noise.
  if (q === 0 || steps === 0) return 0;
  const epsilonAt = (sigma: number) => epsilonFromRdp(orders, computeRdp(q, sigma, steps, orders), delta, conversion).epsilon;
  let sigmaLow = 0;
  let sigmaHigh = 10;
  let epsHigh = Infinity;
  while (epsHigh > targetEpsilon) {
    sigmaHigh *= 2;
    epsHigh = epsilonAt(sigmaHigh);
    if (sigmaHigh > MAX_NOISE_MULTIPLIER) {
      throw badInput(`epsilon ${targetEpsilon} at delta ${delta} is too small a budget for ${steps} steps at rate ${q}`);
    }
  }
  for (let i = 0; i < MAX_BISECTIONS && targetEpsilon - epsHigh > epsilonTolerance; i++) {
    const sigma = (sigmaLow + sigmaHigh) / 2;
    const eps = epsilonAt(sigma);
    if (eps < targetEpsilon) {
      sigmaHigh = sigma;
      epsHigh = eps;
    } else {
      sigmaLow = sigma;
    }
  }
  return sigmaHigh;
}

/**
 * A running RDP accountant over heterogeneous SGM steps (Opacus `RDPAccountant`): consecutive steps
 * with the same (q, σ) are merged into one history entry. Steps only extend the history; the RDP
 * curve is summed when ε is asked for, so a training loop pays nothing per step.
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  private readonly entries: SgmSteps[] = [];
  private summed: number[] | undefined;

  constructor(orders: readonly number[] = DEFAULT_ORDERS, history: readonly SgmSteps[] = []) {
    checkOrders(orders);
    this.orders = orders;
    for (const entry of history) this.compose(entry);
  }

  /** Accounts for one DP-SGD step. */
  step(sampleRate: number, noiseMultiplier: number): void {
    this.compose({ sampleRate, noiseMultiplier, steps: 1 });
  }

  /** Accounts for a stretch of steps at one (q, σ). */
  compose(entry: SgmSteps): void {
    checkSteps(entry);
    this.summed = undefined;
    const last = this.entries.at(-1);
    if (last && last.sampleRate === entry.sampleRate && last.noiseMultiplier === entry.noiseMultiplier) {
      last.steps += entry.steps;
    } else {
      this.entries.push({ sampleRate: entry.sampleRate, noiseMultiplier: entry.noiseMultiplier, steps: entry.steps });
    }
  }

  /** The steps accounted so far, oldest first, merged as described above. */
  get history(): readonly Readonly<SgmSteps>[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** The summed RDP curve, one value per order. */
  rdp(): number[] {
    if (!this.summed) {
      const total = this.orders.map(() => 0);
      for (const e of this.entries) {
        computeRdp(e.sampleRate, e.noiseMultiplier, e.steps, this.orders).forEach((r, k) => (total[k] = (total[k] as number) + r));
      }
      this.summed = total;
    }
    return [...this.summed];
  }

  privacySpent(delta: number, conversion: RdpConversion = 'balle2020'): PrivacySpent {
    return epsilonFromRdp(this.orders, this.rdp(), delta, conversion);
  }

  epsilon(delta: number, conversion: RdpConversion = 'balle2020'): number {
    return this.privacySpent(delta, conversion).epsilon;
  }
}
