/**
 * Training losses on a model's raw outputs, each returning the loss and its gradient with respect to
 * those outputs (which the graph's backward pass then carries to the parameters).
 */
import { sigmoid } from './ops/elementwise.ts';
import { tensor, type Tensor } from './tensor.ts';

export interface LossResult {
  loss: number;
  gradient: Tensor;
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Mean binary cross-entropy on logits z (one per example, or [n, k] for several labels): the mean
 * of log(1 + e^z) − y·z over the labelled entries. A NaN label is unknown and ignored (a panel
 * where not every biomarker was tested); optional per-example weights scale each row.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, labels: ArrayLike<number>, weights?: ArrayLike<number>): LossResult {
  const n = logits.shape[0] ?? 1;
  const perRow = logits.data.length / n;
  const gradient = tensor(logits.shape);
  let loss = 0;
  let count = 0;
  for (let i = 0; i < logits.data.length; i++) {
    const y = labels[i]!;
    if (Number.isNaN(y)) continue;
    count += weights ? weights[Math.floor(i / perRow)]! : 1;
  }
  if (count === 0) return { loss: 0, gradient };
  for (let i = 0; i < logits.data.length; i++) {
    const y = labels[i]!;
    if (Number.isNaN(y)) continue;
    const w = weights ? weights[Math.floor(i / perRow)]! : 1;
    const z = logits.data[i]!;
    loss += (w * (softplus(z) - y * z)) / count;
    gradient.data[i] = (w * (sigmoid(z) - y)) / count;
  }
  return { loss, gradient };
}

export interface SurvivalLabels {
  /** follow-up time (days) */
  time: ArrayLike<number>;
  /** 1 when the event (death) was observed at `time`, 0 when censored */
  event: ArrayLike<number>;
}

/**
 * Negative Cox partial log-likelihood with Breslow's handling of ties, divided by the number of
 * events: −(1/D) Σ_{i: event} [η_i − log Σ_{j: t_j ≥ t_i} exp(η_j)]. Every event at a tied time
 * uses the same risk set (Breslow 1974). η is the model's risk score per example.
 */
export function coxPartialLikelihood(risk: Tensor, labels: SurvivalLabels): LossResult {
  const n = risk.data.length;
  const gradient = tensor(risk.shape);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => labels.time[b]! - labels.time[a]!);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, risk.data[i]!);
  const exp = Float64Array.from(risk.data, (r) => Math.exp(r - max));
  let events = 0;
  for (let i = 0; i < n; i++) events += labels.event[i]! ? 1 : 0;
  if (events === 0) return { loss: 0, gradient };

  // Walk times from the latest down, adding each tied group to the risk set before its events use it.
  const riskSum = new Float64Array(n); // S at each example's time
  let running = 0;
  for (let k = 0; k < n; ) {
    const t = labels.time[order[k]!]!;
    let end = k;
    while (end < n && labels.time[order[end]!]! === t) running += exp[order[end++]!]!;
    for (let j = k; j < end; j++) riskSum[order[j]!] = running;
    k = end;
  }
  let loss = 0;
  for (let i = 0; i < n; i++) if (labels.event[i]) loss -= risk.data[i]! - max - Math.log(riskSum[i]!);
  // d/dη_k: −δ_k + exp(η_k) Σ_{i: event, t_i ≤ t_k} 1/S_i; walk times upwards accumulating Σ 1/S_i.
  const ascending = [...order].reverse();
  let inverseSum = 0;
  for (let k = 0; k < n; ) {
    const t = labels.time[ascending[k]!]!;
    let end = k;
    while (end < n && labels.time[ascending[end]!]! === t) {
      const i = ascending[end]!;
      if (labels.event[i]) inverseSum += 1 / riskSum[i]!;
      end++;
    }
    for (let j = k; j < end; j++) {
      const i = ascending[j]!;
      gradient.data[i] = (exp[i]! * inverseSum - (labels.event[i] ? 1 : 0)) / events;
    }
    k = end;
  }
  return { loss: loss / events, gradient };
}

/** Elastic-net penalty λ·(α·|w|₁ + (1 − α)/2·|w|²) on the named weights; α = 0 is ridge (L2). */
export interface Penalty {
  lambda: number;
  alpha?: number;
  /** parameters it applies to (biases usually are not penalised) */
  parameters: readonly string[];
}

/** The penalty's value, with its (sub)gradient added into `gradients`. */
export function applyPenalty(penalty: Penalty, parameters: Readonly<Record<string, Tensor>>, gradients: Map<string, Tensor>): number {
  const alpha = penalty.alpha ?? 0;
  let value = 0;
  for (const name of penalty.parameters) {
    const w = parameters[name];
    if (!w) throw new Error(`penalty on unknown parameter ${name}`);
    const g = gradients.get(name) ?? tensor(w.shape);
    const out = tensor(w.shape, g.data);
    for (let i = 0; i < w.data.length; i++) {
      const x = w.data[i]!;
      value += penalty.lambda * (alpha * Math.abs(x) + ((1 - alpha) / 2) * x * x);
      out.data[i]! += penalty.lambda * (alpha * Math.sign(x) + (1 - alpha) * x);
    }
    gradients.set(name, out);
  }
  return value;
}
