// Rebuilds the shipped models in models/<name>/<version>/ (model.onnx and card.json) from their
// training data and fixed seeds; running it twice gives the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { trainSyntheticMutation } from '../src/training/synthetic-mutation.ts';
import { trainSyntheticResponse } from '../src/training/synthetic-response.ts';
import { trainTcgaBrcaPrognosis } from '../src/training/tcga-brca.ts';

const MODELS = new URL('../models/', import.meta.url);

function write(name: string, version: string, onnx: Uint8Array, card: unknown): void {
  const dir = new URL(`${name}/${version}/`, MODELS);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('model.onnx', dir), onnx);
  writeFileSync(new URL('card.json', dir), `${JSON.stringify(card, null, 2)}\n`);
  console.log(`models/${name}/${version}: ${onnx.length} bytes`);
}

const brca = trainTcgaBrcaPrognosis('1');
write(brca.card.name, brca.card.version, brca.onnx, brca.card);
console.log(`  prognosis-brca test C-index ${brca.card.metrics.overall.testCIndex} (FLamby pooled 0.704)`);

const response = trainSyntheticResponse('1');
write(response.card.name, response.card.version, response.onnx, response.card);
console.log(`  response-synthetic test AUC ${response.card.metrics.overall.auc} (ceiling from the true probabilities ${response.card.metrics.overall.truthAuc})`);

const mutation = await trainSyntheticMutation('1');
write(mutation.card.name, mutation.card.version, mutation.onnx, mutation.card);
console.log(`  mutation-synthetic test AUCs ${JSON.stringify(mutation.card.metrics.overall)}`);
