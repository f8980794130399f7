/**
 * The mutation family: gated attention multiple-instance learning (Ilse, Tomczak & Welling 2018)
 * over one slide's bag of tile embeddings, multi-label over a biomarker panel. Each biomarker has
 * its own attention branch, so each can point at its own tiles:
 *   h = ReLU(tiles·W + b)                       [n, M]
 *   A = softmax_n((tanh(h·V + bV) ⊙ σ(h·U + bU))·w + bw)   [n, K]
 *   z_k = Σ_n A[n,k]·h[n]                        [K, M]
 *   logit_k = z_k · C_k + c_k,  p_k = σ(logit_k)
 * Input `tiles` [tiles, D] (one bag per call); outputs `logit`, `probability` [K] and `attention` [tiles, K].
 */
import { GraphBuilder, type GraphDef } from '../graph.ts';
import { Rng } from '../../random/rng.ts';
import { glorotUniform, zeros } from '../init.ts';

export interface MutationOptions {
  /** tile embedding size */
  embedding: number;
  /** biomarkers of the panel, in output order */
  biomarkers: readonly string[];
  hidden?: number;
  attention?: number;
  seed: number;
}

export function mutationGraph(options: MutationOptions): GraphDef {
  const rng = new Rng(options.seed, 'mutation-init');
  const m = options.hidden ?? 32;
  const l = options.attention ?? 16;
  const k = options.biomarkers.length;
  const b = new GraphBuilder('mutation_gated_attention_mil', `biomarker panel: ${options.biomarkers.join(', ')}`);
  const tiles = b.input('tiles', ['tiles', options.embedding], 'one slide: an embedding per tile');
  const h = b.op('Relu', [b.op('Gemm', [tiles, b.parameter('encoder.weight', glorotUniform(rng, options.embedding, m)), b.parameter('encoder.bias', zeros([m]))])]);
  const v = b.op('Tanh', [b.op('Gemm', [h, b.parameter('attention.v.weight', glorotUniform(rng, m, l)), b.parameter('attention.v.bias', zeros([l]))])]);
  const u = b.op('Sigmoid', [b.op('Gemm', [h, b.parameter('attention.u.weight', glorotUniform(rng, m, l)), b.parameter('attention.u.bias', zeros([l]))])]);
  const scores = b.op('Gemm', [b.op('Mul', [v, u]), b.parameter('attention.w.weight', glorotUniform(rng, l, k)), b.parameter('attention.w.bias', zeros([k]))]);
  b.op('Softmax', [scores], { axis: 0 }, 'attention');
  const pooled = b.op('MatMul', [b.op('Transpose', ['attention'], { perm: [1, 0] }), h]); // [K, M]
  const weighted = b.op('Mul', [pooled, b.parameter('classifier.weight', glorotUniform(rng, k, m))]);
  const axes = b.int64('axes.1', [1]);
  b.op('Add', [b.op('ReduceSum', [weighted, axes], { keepdims: 0 }), b.parameter('classifier.bias', zeros([k]))], undefined, 'logit');
  b.op('Sigmoid', ['logit'], undefined, 'probability');
  b.output('logit', [k]);
  b.output('probability', [k], `P(biomarker) for ${options.biomarkers.join(', ')}`);
  b.output('attention', ['tiles', k], 'per-tile attention of each biomarker, summing to 1 over tiles');
  return b.build();
}

export const MUTATION_PENALISED = ['encoder.weight', 'attention.v.weight', 'attention.u.weight', 'attention.w.weight', 'classifier.weight'] as const;
