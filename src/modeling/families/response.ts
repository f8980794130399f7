/**
 * The therapy-response family: P(response) from the assembled feature vector (clinical, genomic and
 * histology features plus the therapy's encoding). Logistic regression, or a one-hidden-layer MLP.
 * Input `features` [batch, F]; outputs `logit` and `probability` [batch, 1].
 */
import { GraphBuilder, type GraphDef } from '../graph.ts';
import { Rng } from '../../random/rng.ts';
import { glorotUniform, zeros } from '../init.ts';

export interface ResponseOptions {
  features: number;
  /** hidden units; 0 (default) is logistic regression */
  hidden?: number;
  seed: number;
}

export function responseGraph(options: ResponseOptions): GraphDef {
  const rng = new Rng(options.seed, 'response-init');
  const hidden = options.hidden ?? 0;
  const b = new GraphBuilder(hidden > 0 ? 'response_mlp' : 'response_logistic', 'P(response) for a patient and a therapy');
  const x = b.input('features', ['batch', options.features], 'standardised features with missing-value indicators and the therapy encoding');
  let h = x;
  let width = options.features;
  if (hidden > 0) {
    const w1 = b.parameter('hidden.weight', glorotUniform(rng, options.features, hidden));
    const b1 = b.parameter('hidden.bias', zeros([hidden]));
    h = b.op('Relu', [b.op('Gemm', [x, w1, b1])]);
    width = hidden;
  }
  const w = b.parameter('output.weight', glorotUniform(rng, width, 1));
  const bias = b.parameter('output.bias', zeros([1]));
  b.op('Gemm', [h, w, bias], undefined, 'logit');
  b.op('Sigmoid', ['logit'], undefined, 'probability');
  b.output('logit', ['batch', 1]);
  b.output('probability', ['batch', 1], 'P(response)');
  return b.build();
}

/** The weights an L2 or elastic-net penalty applies to (not the biases). */
export const RESPONSE_PENALISED = ['hidden.weight', 'output.weight'] as const;
