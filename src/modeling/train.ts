/**
 * Training loops for the three families. Each step runs the graph forward, takes the loss on its
 * outputs, runs it backward, adds the penalty and lets the optimiser update the parameters. Example
 * order is shuffled from the seed, so a run is reproducible bit for bit.
 */
import { Rng } from '../random/rng.ts';
import { runBackward, runForward } from './execute.ts';
import type { GraphDef } from './graph.ts';
import { cloneParameters } from './init.ts';
import { applyPenalty, binaryCrossEntropyWithLogits, coxPartialLikelihood, type Penalty } from './losses.ts';
import { adam, type Optimiser } from './optimisers.ts';
import { BASELINE, breslowBaseline } from './families/prognosis.ts';
import { tensor, type Tensor } from './tensor.ts';

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  seed: number;
  /** examples per step (tabular families); all of them when omitted */
  batchSize?: number;
  penalty?: Penalty;
  optimiser?: Optimiser;
  /** parameters to start from (a global model in federated rounds); the graph's own otherwise */
  initial?: Readonly<Record<string, Tensor>>;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainResult {
  parameters: Record<string, Tensor>;
  /** mean loss of each epoch */
  losses: number[];
}

function rowsOf(x: Tensor, rows: readonly number[]): Tensor {
  const f = x.shape[1] as number;
  const out = tensor([rows.length, f]);
  rows.forEach((r, i) => out.data.set(x.data.subarray(r * f, (r + 1) * f), i * f));
  return out;
}

function shuffled(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** One step: forward, loss, backward, penalty, update. Returns the penalised loss. */
function step(
  graph: GraphDef,
  parameters: Record<string, Tensor>,
  feeds: Record<string, Tensor>,
  loss: (values: Map<string, Tensor>) => { loss: number; seeds: Record<string, Tensor> },
  optimiser: Optimiser,
  penalty: Penalty | undefined,
): number {
  const values = runForward(graph, feeds, parameters);
  const l = loss(values);
  const all = runBackward(graph, values, l.seeds);
  const grads = new Map<string, Tensor>();
  for (const name of Object.keys(parameters)) {
    const g = all.get(name);
    if (g) grads.set(name, g);
  }
  const penaltyValue = penalty ? applyPenalty(penalty, parameters, grads) : 0;
  optimiser.step(parameters, grads);
  return l.loss + penaltyValue;
}

/** Trains a response graph (`features` → `logit`) on 0/1 labels with binary cross-entropy. */
export function trainResponse(graph: GraphDef, x: Tensor, y: ArrayLike<number>, options: TrainOptions): TrainResult {
  const parameters = cloneParameters(options.initial ?? graph.parameters);
  const optimiser = options.optimiser ?? adam({ learningRate: options.learningRate });
  const rng = new Rng(options.seed, 'train-response');
  const n = x.shape[0] as number;
  const batch = options.batchSize ?? n;
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffled(n, rng);
    let total = 0;
    let steps = 0;
    for (let start = 0; start < n; start += batch) {
      const rows = order.slice(start, start + batch);
      const labels = rows.map((r) => y[r]!);
      total += step(graph, parameters, { features: rowsOf(x, rows) }, (v) => {
        const r = binaryCrossEntropyWithLogits(v.get('logit') as Tensor, labels);
        return { loss: r.loss, seeds: { logit: r.gradient } };
      }, optimiser, options.penalty);
      steps++;
    }
    losses.push(total / steps);
    options.onEpoch?.(epoch, total / steps);
  }
  return { parameters, losses };
}

/**
 * Trains a prognosis graph on the Cox partial likelihood (full batch: the risk sets span every
 * patient), then fits the Breslow baseline on the training data and stores it in the graph's
 * constant. Returns the parameters; `baseline` holds the fitted cumulative hazard.
 */
export function trainPrognosis(
  graph: GraphDef,
  x: Tensor,
  survival: { time: ArrayLike<number>; event: ArrayLike<number> },
  grid: readonly number[],
  options: TrainOptions,
): TrainResult & { baseline: Tensor } {
  const parameters = cloneParameters(options.initial ?? graph.parameters);
  const optimiser = options.optimiser ?? adam({ learningRate: options.learningRate });
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const loss = step(graph, parameters, { features: x }, (v) => {
      const r = coxPartialLikelihood(v.get('risk') as Tensor, survival);
      return { loss: r.loss, seeds: { risk: r.gradient } };
    }, optimiser, options.penalty);
    losses.push(loss);
    options.onEpoch?.(epoch, loss);
  }
  const risk = runForward(graph, { features: x }, parameters).get('risk') as Tensor;
  return { parameters, losses, baseline: breslowBaseline(risk.data, survival.time, survival.event, grid) };
}

/** A slide for the mutation family: its tile embeddings and, per biomarker, 1, 0 or NaN (not tested). */
export interface Bag {
  tiles: Tensor;
  labels: readonly number[];
}

/** Trains a mutation graph one bag at a time on multi-label cross-entropy. */
export function trainMutation(graph: GraphDef, bags: readonly Bag[], options: TrainOptions): TrainResult {
  const parameters = cloneParameters(options.initial ?? graph.parameters);
  const optimiser = options.optimiser ?? adam({ learningRate: options.learningRate });
  const rng = new Rng(options.seed, 'train-mutation');
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let total = 0;
    for (const i of shuffled(bags.length, rng)) {
      const bag = bags[i]!;
      total += step(graph, parameters, { tiles: bag.tiles }, (v) => {
        const r = binaryCrossEntropyWithLogits(v.get('logit') as Tensor, bag.labels);
        return { loss: r.loss, seeds: { logit: r.gradient } };
      }, optimiser, options.penalty);
    }
    losses.push(total / bags.length);
    options.onEpoch?.(epoch, total / bags.length);
  }
  return { parameters, losses };
}

/** The graph with trained parameters and (for prognosis) its fitted baseline, ready to export. */
export function withTrained(graph: GraphDef, parameters: Record<string, Tensor>, baseline?: Tensor): GraphDef {
  const constants = { ...graph.constants };
  if (baseline) constants[BASELINE] = { tensor: baseline, type: 'float' };
  return { ...graph, parameters, constants };
}
