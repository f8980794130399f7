/**
 * The prognosis family: a Cox model whose risk score is linear in the features, or a small MLP
 * (DeepSurv, Katzman et al. 2018). The Breslow baseline cumulative hazard on a fixed grid of days
 * is stored in the graph, so the exported model also returns the survival curve
 * S(t|x) = exp(−H0(t)·exp(risk)) = S0(t)^exp(risk).
 * Input `features` [batch, F]; outputs `risk` [batch, 1] and `survival` [batch, T].
 */
import { GraphBuilder, type GraphDef } from '../graph.ts';
import { Rng } from '../../random/rng.ts';
import { glorotUniform, zeros } from '../init.ts';
import { tensor, type Tensor } from '../tensor.ts';

export interface PrognosisOptions {
  features: number;
  hidden?: number;
  seed: number;
  /** days at which the survival curve is reported */
  grid: readonly number[];
}

/** The baseline constant's name; training fills it in with `breslowBaseline`. */
export const BASELINE = 'baseline.cumulative_hazard';

export function prognosisGraph(options: PrognosisOptions): GraphDef {
  const rng = new Rng(options.seed, 'prognosis-init');
  const hidden = options.hidden ?? 0;
  const b = new GraphBuilder(hidden > 0 ? 'prognosis_deepsurv' : 'prognosis_cox', 'Cox risk score and survival curve');
  const x = b.input('features', ['batch', options.features]);
  let h = x;
  let width = options.features;
  if (hidden > 0) {
    const w1 = b.parameter('hidden.weight', glorotUniform(rng, options.features, hidden));
    const b1 = b.parameter('hidden.bias', zeros([hidden]));
    h = b.op('Tanh', [b.op('Gemm', [x, w1, b1])]);
    width = hidden;
  }
  // no intercept: the baseline hazard absorbs it
  const w = b.parameter('risk.weight', glorotUniform(rng, width, 1));
  b.op('MatMul', [h, w], undefined, 'risk');
  const h0 = b.float(BASELINE, tensor([1, options.grid.length]));
  const hazard = b.op('Mul', [b.op('Exp', ['risk']), h0]);
  b.op('Exp', [b.op('Neg', [hazard])], undefined, 'survival');
  b.output('risk', ['batch', 1], 'log relative hazard');
  b.output('survival', ['batch', options.grid.length], 'S(t|x) at each day of the grid');
  return b.build();
}

export const PROGNOSIS_PENALISED = ['hidden.weight', 'risk.weight'] as const;

/**
 * Breslow's estimator of the baseline cumulative hazard at each grid day:
 * H0(t) = Σ_{event times s ≤ t} d_s / Σ_{j: t_j ≥ s} exp(risk_j) (Breslow 1972).
 */
export function breslowBaseline(risk: ArrayLike<number>, time: ArrayLike<number>, event: ArrayLike<number>, grid: readonly number[]): Tensor {
  const n = risk.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[a]! - time[b]!);
  // risk-set sums for each distinct time, from the latest down
  const steps: { t: number; increment: number }[] = [];
  let atRisk = 0;
  for (let i = 0; i < n; i++) atRisk += Math.exp(risk[i]!);
  for (let k = 0; k < n; ) {
    const t = time[order[k]!]!;
    let deaths = 0;
    let leaving = 0;
    while (k < n && time[order[k]!] === t) {
      if (event[order[k]!]) deaths++;
      leaving += Math.exp(risk[order[k]!]!);
      k++;
    }
    if (deaths > 0) steps.push({ t, increment: deaths / atRisk });
    atRisk -= leaving;
  }
  const out = tensor([1, grid.length]);
  let cumulative = 0;
  let s = 0;
  grid.forEach((day, g) => {
    while (s < steps.length && steps[s]!.t <= day) cumulative += steps[s++]!.increment;
    out.data[g] = cumulative;
  });
  return out;
}

/** The first grid day where the survival curve falls to 0.5 or below, or undefined if it never does. */
export function medianSurvival(curve: ArrayLike<number>, grid: readonly number[]): number | undefined {
  for (let g = 0; g < grid.length; g++) if (curve[g]! <= 0.5) return grid[g];
  return undefined;
}
