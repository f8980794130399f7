// Secure-aggregation overhead for 10 sites × 100,000 parameters, measured twice; goal: secure ≤ 2× plain.
//   node --import tsx bench/secagg.bench.ts [--sites 10] [--parameters 100000] [--repeats 5] [--computation-only]
// (DATABASE_URL=postgres://… runs the whole rounds on PostgreSQL in a schema of their own, dropped
// afterwards; without it they run on an in-memory PGlite.)
//
// 1. Computation only: one whole weighted Bonawitz round (X25519 key agreement, Shamir shares and
// their encryption, quantisation, ChaCha20 masks, the masked sum, unmasking, dequantisation, then
// FedAvg from the sum) against a plain FedAvg round over the same updates in the same run. The
// baseline is what a plain round computes with the same updates, not a bare loop of additions:
// each site encodes its delta for the wire (float64 → base64, as it is posted to
// /rounds/:id/updates), the coordinator decodes it, screens it (validateUpdate: count, length,
// finiteness, L2 norm against a bound) and FedAvg aggregates the accepted updates. The secure round
// likewise carries its masked vectors as base64 words (the protocol's own messages) and ends in the
// same FedAvg step. Neither side includes HTTP, signatures, the database or training.
//
// 2. Whole round (./whole-round.ts), what a deployment pays per round short of training: the real
// coordinator and its /federation/v1 router on a loopback port over PGlite (or PostgreSQL), and 10
// real site participants with their own Ed25519 keys, whose trainer hands back a fixed update at
// once. Timed from opening the round to its closing (the new version signed and stored): every
// signed request and checked answer, nonces, JSON and base64, screening or the four secure-
// aggregation steps, every database read and write, FedAvg and publishing the version. Sites poll
// in turn with no pause (a deployment's poll interval would add waiting, not work); everything
// shares one process, so the CPU figure is the whole federation's except a PostgreSQL server's.
//
// Each figure is the median of `--repeats` timed runs after one warm-up run; plain and secure runs
// alternate, so a slow patch of the machine hits both alike.
//
// Computation, profiled with `node --cpu-prof --import tsx bench/secagg.bench.ts`. What was fixed:
// X25519 keys were re-imported from DER for every pairwise agreement (now one KeyObject per private
// key, keys imported as JWK, ~8× faster than DER); keystream words were read one readUInt32LE call at a time (now a
// Uint32Array view), and the keystream was copied once more by Buffer.concat; the quantiser called
// Math.round (not inlined here) on a loop that had also seen plain arrays (now exact half-up rounding
// by truncation on Float64Array only); uint32 and float64 vectors went through base64 one value at a
// time (now whole-buffer copies on little-endian hosts, which also speeds the plain baseline).
// What remains is inherent to Bonawitz et al.'s complete graph: each of n sites expands n masks of
// the whole vector and the server n more (n² + n = 110 ChaCha20 streams of 400 kB here), plus
// about 3n² X25519 agreements; SecAgg+ (Bell et al. 2020) would cut the n² to n·log n.
//
// Whole rounds, timed per SQL statement and profiled: they are mostly database and protocol
// overhead, not cryptography (the masking itself is under a tenth of a secure round's CPU). A secure
// round makes 4 passes of 10 sites (80 signed requests against 20) and, on PostgreSQL, about 200
// reads of a step's stored messages with their bodies (each post lists the step's messages before
// and after storing its own, each poll lists them to see whether the site has posted: O(n²) reads
// of the 530 kB masked inputs) and 41 reads of the base version's weights (every /work answer
// carries them, at every step). In this process the CPU goes mostly to the base64 regex of the
// message schemas, SHA-256 of bodies and weights, and parsing the stored jsonb. On PGlite the plain
// round is the slow one: PGlite writes a bytea parameter at about 300-450 ms per 800 kB update
// (base64 text through decode() takes ~35 ms), while the secure round's masked inputs go in as jsonb.
import { decodeFloat64, encodeFloat64 } from '../src/federation/protocol/float-codec.ts';
import { secureWeightedSum } from '../src/federation/simulation/secure-sum.ts';
import { fedAvg } from '../src/federation/strategies/fed-avg.ts';
import { validateUpdate } from '../src/federation/strategies/validate-update.ts';
import { Rng } from '../src/random/rng.ts';
import { startWholeRoundBench, type RoundTiming } from './whole-round.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SITES = flag('sites', 10);
const PARAMETERS = flag('parameters', 100_000);
const REPEATS = flag('repeats', 5);
const COMPUTATION_ONLY = args.includes('--computation-only');
const CLIP_RANGE = 8;
const QUANT_RANGE = 2 ** 22;
const MAX_DELTA_NORM = 1e6;

const rng = new Rng(7, 'secagg-bench');
const global = Float64Array.from({ length: PARAMETERS }, () => rng.normal(0, 1));
const sites = Array.from({ length: SITES }, (_, i) => ({
  siteId: `site-${String(i).padStart(2, '0')}`,
  delta: Float64Array.from({ length: PARAMETERS }, () => rng.normal(0, 0.05)),
  numExamples: 50 + 10 * i,
}));
const maxWeight = Math.max(...sites.map((s) => s.numExamples));
const strategy = fedAvg();

function plainRound(): Float64Array {
  const accepted = sites.flatMap((s) => {
    const delta = decodeFloat64(encodeFloat64(s.delta), PARAMETERS, 'delta');
    const update = { delta, numExamples: s.numExamples };
    return validateUpdate(global, update, { maxDeltaNorm: MAX_DELTA_NORM, maxNumExamples: maxWeight }) ? [] : [update];
  });
  return strategy.aggregate(global, accepted, strategy.initialState(PARAMETERS)).next;
}

let round = 0;
function secureRound(): Float64Array {
  const sum = secureWeightedSum(sites, { roundId: `bench-${round++}`, clipRange: CLIP_RANGE, quantRange: QUANT_RANGE, maxWeight });
  return strategy.aggregateFromSum(global, sum.weightedDeltaSum, sum.totalExamples, strategy.initialState(PARAMETERS)).next;
}

// Wall time and this process's CPU time (process.cpuUsage) are both kept: on a shared machine the
// CPU time is the steadier figure, since it does not count time spent waiting for a core.
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timing {
  ms: number;
  cpuMs: number;
  result: Float64Array;
}

function timeBoth(): { plain: Timing; secure: Timing } {
  const fns = { plain: plainRound, secure: secureRound };
  const results = { plain: plainRound(), secure: secureRound() };
  const wall = { plain: [] as number[], secure: [] as number[] };
  const cpu = { plain: [] as number[], secure: [] as number[] };
  for (let r = 0; r < REPEATS; r++) {
    for (const name of ['plain', 'secure'] as const) {
      const c = process.cpuUsage();
      const t = performance.now();
      results[name] = fns[name]();
      wall[name].push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu[name].push((used.user + used.system) / 1000);
    }
  }
  const timing = (name: 'plain' | 'secure'): Timing => ({ ms: median(wall[name]), cpuMs: median(cpu[name]), result: results[name] });
  return { plain: timing('plain'), secure: timing('secure') };
}

/** Whole rounds through the coordinator and the sites; the version step each took is kept to compare them. */
async function timeWholeRounds() {
  const bench = await startWholeRoundBench({
    sites, initialWeights: global, maxNumExamples: maxWeight, maxDeltaNorm: MAX_DELTA_NORM, clipRange: CLIP_RANGE, quantRange: QUANT_RANGE,
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  });
  try {
    // warm-up, and the model step each kind of round takes, read outside the timing
    const before = await bench.latestWeights();
    await bench.runRound(false);
    const afterPlain = await bench.latestWeights();
    await bench.runRound(true);
    const afterSecure = await bench.latestWeights();
    let maxDiff = 0;
    for (let j = 0; j < PARAMETERS; j++) maxDiff = Math.max(maxDiff, Math.abs(afterPlain[j]! - before[j]! - (afterSecure[j]! - afterPlain[j]!)));
    const runs = { plain: [] as RoundTiming[], secure: [] as RoundTiming[] };
    for (let r = 0; r < REPEATS; r++) {
      runs.plain.push(await bench.runRound(false));
      runs.secure.push(await bench.runRound(true));
    }
    const summary = (xs: RoundTiming[]) => ({ ms: median(xs.map((x) => x.ms)), cpuMs: median(xs.map((x) => x.cpuMs)) });
    return { database: bench.database, plain: summary(runs.plain), secure: summary(runs.secure), maxDiff };
  } finally {
    await bench.close();
  }
}

const goal = (ratio: number) => `(goal ≤ 2×)${ratio <= 2 ? '' : '  (NOT MET)'}`;
const { plain, secure } = timeBoth();
let maxDiff = 0;
for (let j = 0; j < PARAMETERS; j++) maxDiff = Math.max(maxDiff, Math.abs(plain.result[j]! - secure.result[j]!));
const ratio = secure.ms / plain.ms;
const cpuRatio = secure.cpuMs / plain.cpuMs;
console.log(`secure aggregation, ${SITES} sites × ${PARAMETERS} parameters (median of ${REPEATS} after a warm-up; wall, this process's CPU)`);
console.log('1. computation only (no HTTP, signatures, database or training):');
console.log(`  plain FedAvg round (encode, decode, validate, aggregate): ${plain.ms.toFixed(1)} ms, CPU ${plain.cpuMs.toFixed(1)} ms`);
console.log(`  secure round (keys, shares, masking, sum, unmasking, FedAvg): ${secure.ms.toFixed(1)} ms, CPU ${secure.cpuMs.toFixed(1)} ms`);
console.log(`  ratio ${ratio.toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU ${goal(ratio)}; largest |secure − plain| weight ${maxDiff.toExponential(2)}`);

if (!COMPUTATION_ONLY) {
  const whole = await timeWholeRounds();
  const wholeRatio = whole.secure.ms / whole.plain.ms;
  const wholeCpuRatio = whole.secure.cpuMs / whole.plain.cpuMs;
  const cpuNote = whole.database === 'postgres' ? ' (CPU leaves out the PostgreSQL server)' : '';
  console.log(`2. whole round, open to closed, through the coordinator over loopback HTTP on ${whole.database}, ${SITES} signing site participants, fixed updates, no training${cpuNote}:`);
  console.log(`  plain round (work, signed updates, screening, stored submissions, FedAvg, signed version): ${whole.plain.ms.toFixed(0)} ms, CPU ${whole.plain.cpuMs.toFixed(0)} ms`);
  console.log(`  secure round (the same with the 4 secure-aggregation steps in place of plain updates): ${whole.secure.ms.toFixed(0)} ms, CPU ${whole.secure.cpuMs.toFixed(0)} ms`);
  console.log(`  ratio ${wholeRatio.toFixed(2)}× wall, ${wholeCpuRatio.toFixed(2)}× CPU ${goal(wholeRatio)}; largest |secure − plain| model step ${whole.maxDiff.toExponential(2)}`);
}
