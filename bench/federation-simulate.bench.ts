// Federated simulation figures for issue 6's goals, over seeds 42-46 (FLamby's seeds), with each
// dataset's defaults, plus FLamby's own FedAvg protocol on Fed-Heart-Disease as a reproduction check.
//   node --import tsx bench/federation-simulate.bench.ts [--json]
// `--tune <tcga-brca|heart|heart-dp|synthetic>` re-runs the settings search behind the defaults:
// 5-fold cross-validation inside each site's training rows (never the test sets), seeds 42-46,
// then the one-standard-error rule (see select()). `--tune local <tcga-brca|heart|synthetic>`
// searches the local-only Adam baseline's learning rate the same way, scored on each site's own
// validation fold, with the baseline's early stopping nested inside the training folds.
// `--tune tcga-brca-l2|heart-l2` chooses the L2 penalty λ of the local steps the same way, jointly
// with the training length (the other regulariser) around the chosen defaults.
// `--all` lists every candidate instead of the top 15. `--only <dataset>` limits the figures to that dataset's goals.
import { initialWeights, parameterCount } from '../src/federation/local-training/federated-model.ts';
import type { SiteData } from '../src/federation/local-training/site-data.ts';
import { trainLocalOnly, type LocalOnlyOptions } from '../src/federation/local-training/local-only.ts';
import { evaluateModel } from '../src/federation/simulation/evaluate.ts';
import { loadFederatedDataset, withValidationSplit, type FederatedDataset, type FederatedDatasetName } from '../src/federation/simulation/federated-datasets.ts';
import { resolveOptions } from '../src/federation/simulation/simulation-options.ts';
import { simulateFederation, type SimulationResult } from '../src/federation/simulation/simulate.ts';
import type { SimulateFederationOptions } from '../src/federation/simulation/simulation-options.ts';

const SEEDS = [42, 43, 44, 45, 46];
const args = process.argv.slice(2);
const datasets = new Map<FederatedDatasetName, FederatedDataset>();
const dataset = (name: FederatedDatasetName) => datasets.get(name) ?? datasets.set(name, loadFederatedDataset(name)).get(name)!;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '  -  ' : x.toFixed(3));

interface Goal {
  label: string;
  options: SimulateFederationOptions;
  target: string;
  met: (m: number, s: number) => boolean;
  perSite?: boolean;
}

const GOALS: Goal[] = [
  { label: 'Fed-TCGA-BRCA, FedAdam, pooled C-index', options: { dataset: 'tcga-brca', strategy: 'fedadam' }, target: 'mean >= 0.85, sd <= 0.02', met: (m, s) => m >= 0.85 && s <= 0.02, perSite: true },
  { label: 'Fed-Heart-Disease, pooled accuracy', options: { dataset: 'heart' }, target: 'mean >= 0.80', met: (m) => m >= 0.8, perSite: true },
  { label: 'Fed-Heart-Disease, DP eps=1 delta=1e-5', options: { dataset: 'heart', dpEpsilon: 1, dpDelta: 1e-5 }, target: 'mean >= 0.75', met: (m) => m >= 0.75 },
  { label: 'synthetic cohort, pooled AUC', options: { dataset: 'synthetic' }, target: 'no published figure', met: () => true, perSite: true },
  { label: 'reference: FLamby FedAvg on Heart', options: { dataset: 'heart', strategy: 'fedavg', rounds: 15, localSteps: 100, batch: 4, lr: 0.001, init: 'pytorch' }, target: 'FLamby 0.748 (sd 0.024)', met: (m) => Math.abs(m - 0.748) <= 0.03 },
  { label: 'Fed-Heart-Disease, secure aggregation', options: { dataset: 'heart', secagg: true }, target: 'same as plain', met: () => true },
];

async function runGoals(only?: string): Promise<void> {
  const report: Record<string, unknown>[] = [];
  console.log(`${'goal'.padEnd(44)} ${SEEDS.map((s) => String(s).padStart(6)).join('')}   mean     sd  target`);
  for (const goal of GOALS.filter((g) => only === undefined || g.options.dataset === only)) {
    const runs: SimulationResult[] = [];
    for (const seed of SEEDS) runs.push(await simulateFederation({ ...goal.options, seed }, { dataset: dataset(goal.options.dataset) }));
    const values = runs.map((r) => r.pooledTestMetric ?? Number.NaN);
    const [m, s] = [mean(values), sd(values)];
    console.log(`${goal.label.padEnd(44)} ${values.map((v) => f3(v).padStart(6)).join('')}  ${f3(m)}  ${f3(s)}  ${goal.target}${goal.met(m, s) ? '' : '  (NOT MET)'}`);
    const eps = runs.flatMap((r) => r.sites.map((x) => x.epsilonSpent ?? Number.NaN)).filter(Number.isFinite);
    if (eps.length > 0) console.log(`${''.padEnd(44)} epsilon spent per site: max ${Math.max(...eps).toFixed(4)} (target ${goal.options.dpEpsilon})`);
    console.log(`${''.padEnd(44)} wall seconds per run: ${f3(mean(runs.map((r) => r.wallSeconds)))}`);
    const sites = goal.perSite ? await printSites(goal.options.dataset, runs) : undefined;
    report.push({ goal: goal.label, options: goal.options, perSeed: values, mean: m, sd: s, target: goal.target, met: goal.met(m, s), sites, runs });
  }
  if (args.includes('--json')) console.log(JSON.stringify(report));
}

/**
 * Per site: federated vs its own local model vs the best of all sites' local models on that site's
 * test set. The issue's goal is fed >= best at every site (here: for every seed as well).
 *
 * "best" as the issue words it is an oracle: the maximum of every site's local model on site k's
 * test set picks the winner with the very rows it is then scored on, so with small test sets it is
 * biased upwards (the maximum of several noisy estimates). "selected" is the same idea without the
 * test rows: for site k, the local model (trained at site j) with the best mean metric on site k's
 * validation folds (5-fold CV inside the training rows, local models retrained without the fold),
 * then scored once on site k's test set. "own" is the model site k would have without federating.
 */
async function printSites(name: FederatedDatasetName, runs: SimulationResult[]): Promise<Record<string, unknown>> {
  const data = dataset(name);
  const selected = await Promise.all(runs.map((r) => selectedLocal(data, r)));
  console.log(`${''.padEnd(4)}${'site'.padEnd(14)}${'test n'.padStart(7)}${name === 'tcga-brca' ? `${'events'.padStart(7)}${'pairs'.padStart(7)}` : ''}${'fed'.padStart(7)}${'own'.padStart(7)}${'best'.padStart(7)}${'select'.padStart(7)}  fed>=best  fed>=own  fed>=select   (means over seeds; counts of seeds)`);
  const rows = runs[0]!.sites.map((site, k) => {
    const at = runs.map((r) => r.sites[k]!);
    const fed = at.map((x) => x.testMetric ?? Number.NaN);
    const own = at.map((x) => x.localOnlyTestMetric ?? Number.NaN);
    const best = at.map((x) => x.bestLocalOnlyTestMetric ?? Number.NaN);
    const sel = selected.map((s) => s[k]!.test);
    const count = (other: number[]) => fed.filter((v, i) => v >= other[i]!).length;
    const test = data.sites[k]!.test;
    const size = test.labels.kind === 'survival' ? `${String(eventsOf(test)).padStart(7)}${String(comparablePairs(test)).padStart(7)}` : '';
    console.log(
      `${''.padEnd(4)}${site.site.padEnd(14)}${String(test.rows).padStart(7)}${size}${f3(mean(fed)).padStart(7)}${f3(mean(own)).padStart(7)}${f3(mean(best)).padStart(7)}${f3(mean(sel)).padStart(7)}` +
        `  ${`${count(best)}/5`.padStart(8)}  ${`${count(own)}/5`.padStart(8)}  ${`${count(sel)}/5`.padStart(11)}   selected: ${selected.map((s) => s[k]!.from).join(',')}`,
    );
    return { site: site.site, testRows: test.rows, fed, own, best, selected: sel, selectedFrom: selected.map((s) => s[k]!.from) };
  });
  const pairs = runs.flatMap((r) => r.sites);
  const beatBest = pairs.filter((x) => (x.testMetric ?? -1) >= (x.bestLocalOnlyTestMetric ?? Infinity)).length;
  const beatOwn = pairs.filter((x) => (x.testMetric ?? -1) >= (x.localOnlyTestMetric ?? Infinity)).length;
  const beatSelected = runs.flatMap((r, i) => r.sites.map((x, k) => (x.testMetric ?? -1) >= selected[i]![k]!.test)).filter(Boolean).length;
  const perSite = runs[0]!.sites.map((_, k) => mean(runs.map((r) => r.sites[k]!.testMetric ?? Number.NaN)) >= mean(runs.map((r) => r.sites[k]!.bestLocalOnlyTestMetric ?? Number.NaN)));
  console.log(
    `${''.padEnd(4)}fed >= best local-only: ${beatBest}/${pairs.length} (site, seed) pairs, ${perSite.filter(Boolean).length}/${perSite.length} sites on the 5-seed mean${beatBest === pairs.length ? '' : '  (NOT MET)'}; ` +
      `fed >= own local-only: ${beatOwn}/${pairs.length}; fed >= selected local-only: ${beatSelected}/${pairs.length}`,
  );
  return { rows, beatBest, beatOwn, beatSelected, pairs: pairs.length };
}

/** For each site k of run r: the local model chosen on site k's validation folds, and its test metric. */
async function selectedLocal(data: FederatedDataset, r: SimulationResult): Promise<{ from: string; test: number }[]> {
  const o = r.options;
  const init = o.init === 'zeros' ? new Float64Array(parameterCount(data.model)) : initialWeights(data.model, o.seed);
  const local = (sites: FederatedDataset['sites']) => sites.map((s) => trainLocalOnly(data.model, init, s.train, { ...o.localOnly, seed: o.seed, site: s.name }));
  const k = data.sites.length;
  const sums = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let fold = 0; fold < 5; fold++) {
    const split = withValidationSplit(data, fold);
    const models = local(split.sites);
    split.sites.forEach((site, i) =>
      models.forEach((w, j) => {
        const v = evaluateModel(data.model, w, site.test, data.metric);
        if (Number.isFinite(v)) [sums[i]![j], counts[i]![j]] = [sums[i]![j]! + v, counts[i]![j]! + 1];
      }),
    );
  }
  const full = local(data.sites);
  return data.sites.map((site, i) => {
    const score = (j: number) => (counts[i]![j]! > 0 ? sums[i]![j]! / counts[i]![j]! : -Infinity);
    const j = Array.from({ length: k }, (_, x) => x).reduce((a, b) => (score(b) > score(a) ? b : a));
    const test = evaluateModel(data.model, full[j]!, site.test, data.metric);
    // the same model simulate trained: its own-site figure must match the run's
    const own = evaluateModel(data.model, full[i]!, site.test, data.metric);
    if (Number.isFinite(own) && Math.abs(own - (r.sites[i]!.localOnlyTestMetric ?? Number.NaN)) > 1e-12) throw new Error(`local model of ${site.name} differs from simulate's`);
    return { from: data.sites[j]!.name, test };
  });
}

const eventsOf = (d: SiteData) => (d.labels.kind === 'survival' ? d.labels.event.reduce((a, b) => a + b, 0) : 0);

/** Pairs Harrell's C can compare: an event and a row followed for longer. */
function comparablePairs(d: SiteData): number {
  if (d.labels.kind !== 'survival') return 0;
  const { time, event } = d.labels;
  let n = 0;
  for (let i = 0; i < d.rows; i++) if (event[i]) for (let j = 0; j < d.rows; j++) if (time[j]! > time[i]!) n++;
  return n;
}

// ---- settings search ------------------------------------------------------------------------

type Grid = Record<string, readonly unknown[]>;
interface Search {
  base: SimulateFederationOptions;
  grids: Grid[];
  /** the published protocol a choice should stay close to, when CV cannot tell candidates apart */
  reference?: Record<string, unknown>;
}

// λ of the L2 penalty: the brief's 0 … 1e-2, extended to 1e-1 because the losses are means over
// a batch, so a site of ~100-300 rows puts λ ≈ 1/n (ridge's usual scale) near 3e-3 to 1e-2.
const L2_GRID = [0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];

const SEARCHES: Record<string, Search> = {
  'tcga-brca': {
    base: { dataset: 'tcga-brca', strategy: 'fedadam', batch: 8 },
    grids: [{ init: ['pytorch', 'zeros'], rounds: [5, 10, 20], localSteps: [20, 100], lr: [0.003, 0.01, 0.03], serverLr: [0.01, 0.03, 0.1] }],
    reference: { init: 'pytorch', rounds: 5, localSteps: 100, lr: 0.01, serverLr: 0.1 },
  },
  // The first grid's best sat on its edge (server lr 0.01, the smallest tried): this one extends it
  // downwards at the same total movement (FedAdam's early steps are sign-like, about server lr per
  // round), and tries FedProx's proximal term under FedAdam.
  'tcga-brca-edge': {
    base: { dataset: 'tcga-brca', strategy: 'fedadam', batch: 8, init: 'zeros', localSteps: 100, lr: 0.01 },
    grids: [{ rounds: [10, 20, 40], serverLr: [0.0025, 0.005, 0.01, 0.02], mu: [0, 0.1] }],
    reference: { rounds: 10, serverLr: 0.01, mu: 0 },
  },
  // L2 jointly with the training length (rounds at the chosen rate): a penalty may let a longer run
  // pay off that the unpenalised CV cut short. Reference: the chosen defaults, without a penalty.
  'tcga-brca-l2': {
    base: { dataset: 'tcga-brca', strategy: 'fedadam', batch: 8, init: 'zeros', localSteps: 100, lr: 0.01, serverLr: 0.01 },
    grids: [{ l2: L2_GRID, rounds: [10, 20, 40] }],
    reference: { l2: 0, rounds: 10 },
  },
  heart: {
    base: { dataset: 'heart', batch: 4 },
    grids: [
      { strategy: ['fedavg'], init: ['pytorch', 'zeros'], rounds: [5, 15], localSteps: [20, 100], lr: [0.0003, 0.001, 0.01] },
      { strategy: ['fedadam'], init: ['pytorch', 'zeros'], rounds: [5, 15], localSteps: [20, 100], lr: [0.001, 0.01], serverLr: [0.01, 0.03] },
    ],
    reference: { strategy: 'fedavg', init: 'pytorch', rounds: 15, localSteps: 100, lr: 0.001 },
  },
  // The first grid's best sat on three edges at once (lr 0.0003, 5 rounds, 20 steps): extended below them.
  'heart-edge': {
    base: { dataset: 'heart', strategy: 'fedavg', init: 'zeros' },
    grids: [{ rounds: [1, 2, 5], localSteps: [5, 10, 20], lr: [0.0001, 0.0003], batch: [4, 16] }],
    reference: { rounds: 5, localSteps: 20, lr: 0.0003, batch: 4 },
  },
  // The chosen heart run moves so little from zero that a penalty barely acts on it (lr·λ·steps ≪ 1),
  // so λ is searched together with longer runs and larger rates.
  'heart-l2': {
    base: { dataset: 'heart', strategy: 'fedavg', init: 'zeros', batch: 4 },
    grids: [{ l2: L2_GRID, rounds: [5, 15], localSteps: [20, 100], lr: [0.0003, 0.001, 0.01] }],
    reference: { l2: 0, rounds: 5, localSteps: 20, lr: 0.0003 },
  },
  // heart-l2's best λ at the larger rates sat on the grid's top edge (0.1): extended upwards.
  'heart-l2-edge': {
    base: { dataset: 'heart', strategy: 'fedavg', init: 'zeros', batch: 4 },
    grids: [{ l2: [0, 0.1, 0.3, 1, 3], rounds: [5, 15], localSteps: [20, 100], lr: [0.0003, 0.001, 0.01] }],
    reference: { l2: 0, rounds: 5, localSteps: 20, lr: 0.0003 },
  },
  'heart-dp': {
    base: { dataset: 'heart', strategy: 'fedavg', dpEpsilon: 1, dpDelta: 1e-5, dpClipNorm: 1.1 },
    grids: [{ init: ['pytorch', 'zeros'], rounds: [1, 3, 15], localSteps: [10, 100], batch: [4, 32], lr: [0.001, 0.01] }],
    // FLamby's DP example: FedAvg, 15 rounds x 100 steps, batch 4, lr 0.001, max_grad_norm 1.1
    reference: { init: 'pytorch', rounds: 15, localSteps: 100, batch: 4, lr: 0.001 },
  },
  synthetic: {
    base: { dataset: 'synthetic', batch: 32 },
    grids: [
      { strategy: ['fedavg'], serverLr: [1], rounds: [5, 10, 20], localSteps: [10, 20, 50], lr: [0.01, 0.03, 0.1] },
      { strategy: ['fedadam'], serverLr: [0.003, 0.01], rounds: [5, 10, 20], localSteps: [10, 20], lr: [0.003, 0.01, 0.03] },
    ],
  },
};

function expand(grid: Grid): Record<string, unknown>[] {
  return Object.entries(grid).reduce<Record<string, unknown>[]>((acc, [k, vs]) => acc.flatMap((c) => vs.map((v) => ({ ...c, [k]: v }))), [{}]);
}

/** Pooled validation metric of every (seed, fold), seed-major. */
async function crossValidate(options: SimulateFederationOptions): Promise<number[]> {
  const out: number[] = [];
  for (const seed of SEEDS) {
    for (let fold = 0; fold < 5; fold++) {
      const r = await simulateFederation({ ...options, seed, evaluateOn: 'validation', validationFold: fold, baselines: false }, { dataset: dataset(options.dataset) });
      out.push(r.pooledTestMetric ?? Number.NaN);
    }
  }
  return out;
}

/**
 * The one-standard-error rule (Hastie, Tibshirani & Friedman, Elements of Statistical Learning
 * §7.10): candidates whose CV mean is within one paired standard error of the best are
 * indistinguishable from it; among them, take the one that changes the fewest settings of the
 * published protocol (then the higher mean). Without a reference, the CV best.
 */
function select(scored: { config: Record<string, unknown>; scores: number[] }[], reference?: Record<string, unknown>) {
  const best = scored.reduce((a, b) => (mean(b.scores) > mean(a.scores) ? b : a));
  const changes = (c: Record<string, unknown>) => (reference ? Object.keys(reference).filter((k) => c[k] !== undefined && c[k] !== reference[k]).length : 0);
  const withSe = scored.map((s) => {
    const diff = best.scores.map((v, i) => v - s.scores[i]!);
    return { ...s, mean: mean(s.scores), se: sd(diff) / Math.sqrt(diff.length), changes: changes(s.config) };
  });
  // the best itself has difference 0 and standard error 0, so it is always eligible
  const eligible = withSe.filter((s) => mean(best.scores) - s.mean <= s.se);
  eligible.sort((a, b) => a.changes - b.changes || b.mean - a.mean);
  return { ranked: withSe.sort((a, b) => b.mean - a.mean), chosen: eligible[0]! };
}

async function tune(name: string): Promise<void> {
  const search = SEARCHES[name];
  if (!search) throw new Error(`--tune takes one of ${Object.keys(SEARCHES).join(', ')}`);
  const scored = [];
  for (const config of search.grids.flatMap(expand)) scored.push({ config, scores: await crossValidate({ ...search.base, ...config } as SimulateFederationOptions) });
  const { ranked, chosen } = select(scored, search.reference);
  const shown = args.includes('--all') ? ranked.length : 15;
  console.log(`CV (5 folds x seeds ${SEEDS.join(',')}) of ${JSON.stringify(search.base)}; top ${Math.min(shown, ranked.length)} of ${ranked.length}:`);
  for (const r of ranked.slice(0, shown)) console.log(`  ${r.mean.toFixed(4)}  se ${r.se.toFixed(4)}  changes ${r.changes}  ${JSON.stringify(r.config)}`);
  const reference = search.reference && ranked.find((r) => r.changes === 0);
  if (reference) console.log(`reference (published protocol): ${f3(reference.mean)}  se ${reference.se.toFixed(4)}  ${JSON.stringify(reference.config)}`);
  console.log(`chosen (one-SE rule): ${f3(chosen.mean)} ${JSON.stringify(chosen.config)}`);
}

/**
 * The local-only baseline's learning rate, chosen as the federated settings are: 5-fold CV inside
 * each site's training rows, scored on the site's own held-out fold (mean over sites, folds and
 * seeds 42-46 of the defined values), with the baseline's own early stopping nested inside the
 * training folds. Budget and batch are the dataset's defaults (the federated run's).
 */
async function tuneLocal(name: FederatedDatasetName): Promise<void> {
  const data = dataset(name);
  const base = resolveOptions({ dataset: name });
  const rows: [string, number, number][] = [];
  // early stopping within the federated run's step budget, or a fixed number of whole epochs
  const fedSteps = base.rounds * base.localSteps;
  const plain = { batchSize: base.localOnly.batchSize };
  const lengths: Pick<LocalOnlyOptions, 'epochs' | 'steps' | 'earlyStopping'>[] = [
    { epochs: 0, steps: fedSteps, earlyStopping: { validationFraction: 0.2 } },
    ...[3, 10, 30].map((epochs) => ({ epochs })),
  ];
  for (const [learningRate, length] of [0.001, 0.003, 0.01, 0.03, 0.1].flatMap((lr) => lengths.map((l) => [lr, l] as const))) {
    const localOnly: Omit<LocalOnlyOptions, 'seed' | 'site'> = { ...plain, learningRate, ...length };
    const scores: number[] = [];
    for (const seed of SEEDS) {
      const init = base.init === 'zeros' ? new Float64Array(parameterCount(data.model)) : initialWeights(data.model, seed);
      for (let fold = 0; fold < 5; fold++) {
        for (const site of withValidationSplit(data, fold).sites) {
          const w = trainLocalOnly(data.model, init, site.train, { ...localOnly, seed, site: site.name });
          scores.push(evaluateModel(data.model, w, site.test, data.metric));
        }
      }
    }
    const defined = scores.filter(Number.isFinite);
    rows.push([JSON.stringify(localOnly), mean(defined), defined.length]);
  }
  console.log(`local-only CV on own-site validation folds (${name}, seeds ${SEEDS.join(',')}):`);
  for (const [config, score, n] of rows.sort((a, b) => b[1] - a[1])) console.log(`  ${score.toFixed(4)}  (${n} defined)  ${config}`);
}

const tuneAt = args.indexOf('--tune');
if (tuneAt >= 0 && args[tuneAt + 1] === 'local') await tuneLocal((args[tuneAt + 2] ?? '') as FederatedDatasetName);
else if (tuneAt >= 0) await tune(args[tuneAt + 1] ?? '');
else {
  const onlyAt = args.indexOf('--only');
  await runGoals(onlyAt >= 0 ? args[onlyAt + 1] : undefined);
}
