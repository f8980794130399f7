/**
 * The shipped breast-cancer prognosis model: a linear Cox model trained by this engine on the real
 * Fed-TCGA-BRCA data (FLamby's static train/test split), standardised with training statistics,
 * with its Breslow baseline, evaluated by Harrell's C-index on the pooled test set and per region.
 */
import { readFileSync } from 'node:fs';
import { TCGA_BRCA_SCHEMA } from '../features/tcga-brca-schema.ts';
import { fitStandardisation, standardise } from '../features/feature-schema.ts';
import type { ModelCard } from '../inference/model-card.ts';
import { runForward } from '../modeling/execute.ts';
import { prognosisGraph } from '../modeling/families/prognosis.ts';
import { concordanceIndex } from '../modeling/metrics.ts';
import { exportOnnx } from '../modeling/onnx-export.ts';
import { tensor } from '../modeling/tensor.ts';
import { trainPrognosis, withTrained } from '../modeling/train.ts';
import { round6, sha256Hex } from './card-helpers.ts';
import { parseCsv } from './csv.ts';

export const TCGA_DIR = new URL('../../models/training-data/tcga-brca/', import.meta.url);

/** Days of the survival curve the model returns. */
export const SURVIVAL_GRID = [180, 365, 730, 1095, 1825, 2555, 3650];

export interface TcgaPatient {
  pid: string;
  region: string;
  fold: 'train' | 'test';
  x: number[];
  event: number;
  time: number;
}

/** Reads brca.csv, the split and the region of each tissue source site; checks the columns against the schema. */
export function loadTcgaBrca(dir: URL = TCGA_DIR): { columns: string[]; patients: TcgaPatient[] } {
  const data = parseCsv(readFileSync(new URL('brca.csv', dir), 'utf8'));
  const header = data[0] ?? [];
  const columns = header.slice(1, 40);
  const expected = TCGA_BRCA_SCHEMA.features.map((f) => f.name);
  if (columns.join('|') !== expected.join('|')) throw new Error('brca.csv columns do not match the tcga-brca-clinical schema');
  if (header[40] !== 'E' || header[41] !== 'T') throw new Error('brca.csv: expected E and T after the 39 features');
  const split = new Map(parseCsv(readFileSync(new URL('train_test_split.csv', dir), 'utf8')).slice(1).map((r) => [r[0]!, r[1]!]));
  const regions = new Map(parseCsv(readFileSync(new URL('centers.csv', dir), 'utf8')).slice(1).map((r) => [r[0]!, r[4]!]));
  const patients: TcgaPatient[] = [];
  for (const r of data.slice(1)) {
    if (r.length !== header.length) continue;
    const fold = split.get(r[0]!);
    if (fold !== 'train' && fold !== 'test') continue;
    patients.push({ pid: r[0]!, region: regions.get(r[0]!.slice(5, 7)) ?? 'unknown', fold, x: r.slice(1, 40).map(Number), event: Number(r[40]), time: Number(r[41]) });
  }
  return { columns, patients };
}

export const TCGA_TRAINING = { seed: 1, epochs: 100, learningRate: 0.01 } as const;

/** Trains the model; returns the ONNX bytes and its card. Deterministic: the same seed gives the same bytes. */
export function trainTcgaBrcaPrognosis(version = '1'): { onnx: Uint8Array; card: ModelCard } {
  const { patients } = loadTcgaBrca();
  const train = patients.filter((p) => p.fold === 'train');
  const test = patients.filter((p) => p.fold === 'test');
  const standardisation = fitStandardisation(train.map((p) => p.x));
  const matrix = (ps: TcgaPatient[]) => tensor([ps.length, 39], ps.flatMap((p) => standardise(p.x, standardisation)));
  const graph = prognosisGraph({ features: 39, seed: TCGA_TRAINING.seed, grid: SURVIVAL_GRID });
  const trained = trainPrognosis(graph, matrix(train), { time: train.map((p) => p.time), event: train.map((p) => p.event) }, SURVIVAL_GRID, {
    epochs: TCGA_TRAINING.epochs,
    learningRate: TCGA_TRAINING.learningRate,
    seed: TCGA_TRAINING.seed,
  });
  const model = withTrained(graph, trained.parameters, trained.baseline);
  const cIndex = (ps: TcgaPatient[]) => {
    const risk = runForward(model, { features: matrix(ps) }).get('risk')!.data;
    return concordanceIndex(risk, ps.map((p) => p.time), ps.map((p) => p.event));
  };
  const regions = [...new Set(patients.map((p) => p.region))].sort();
  const subgroups: Record<string, Record<string, number | null>> = {};
  for (const region of regions) {
    const ps = test.filter((p) => p.region === region);
    const c = cIndex(ps);
    subgroups[`region ${region}`] = { cIndex: Number.isNaN(c) ? null : round6(c), testPatients: ps.length, testEvents: ps.filter((p) => p.event).length };
  }
  const onnx = exportOnnx(model, model.parameters, { producerVersion: version, metadata: { model: 'prognosis-brca', version, featureSchema: `${TCGA_BRCA_SCHEMA.id}@${TCGA_BRCA_SCHEMA.version}` } });
  const card: ModelCard = {
    name: 'prognosis-brca',
    version,
    task: 'prognosis',
    description: 'Linear Cox model for overall survival in breast cancer, with a Breslow baseline: a risk score and a survival curve',
    featureSchema: `${TCGA_BRCA_SCHEMA.id}@${TCGA_BRCA_SCHEMA.version}`,
    inputs: [{ name: 'features', shape: ['batch', 39], description: 'the 39 tcga-brca-clinical features, standardised with `standardisation`' }],
    outputs: [
      { name: 'risk', shape: ['batch', 1], description: 'log relative hazard' },
      { name: 'survival', shape: ['batch', SURVIVAL_GRID.length], description: `S(t|x) at days ${SURVIVAL_GRID.join(', ')}` },
    ],
    training: {
      data: 'Fed-TCGA-BRCA (FLamby): GDC open-access TCGA-BRCA clinical data, 39 one-hot features, real patients',
      synthetic: false,
      examples: train.length,
      events: train.filter((p) => p.event).length,
      split: `FLamby static split: ${train.length} train, ${test.length} test`,
      sites: regions,
      federatedRounds: 0,
      seed: TCGA_TRAINING.seed,
      settings: { optimiser: 'Adam, full batch', epochs: TCGA_TRAINING.epochs, learningRate: TCGA_TRAINING.learningRate, loss: 'Cox partial likelihood, Breslow ties' },
    },
    metrics: {
      overall: { testCIndex: round6(cIndex(test)), trainCIndex: round6(cIndex(train)), testPatients: test.length, testEvents: test.filter((p) => p.event).length },
      subgroups,
      reference: "FLamby pooled training, pooled test C-index 0.704 (sd 0.102) over seeds 42-46; FedAdam/FedYogi 0.842",
    },
    privacy: { epsilon: null, delta: null, note: 'pooled training on public open-access data; no differential privacy applied' },
    intendedUse: 'Research and decision support for adult breast cancer; the risk and curve come from TCGA patients (mostly US, mostly White), so they may be miscalibrated elsewhere. Not for use without clinical judgement.',
    limitations: [
      'prior and synchronous malignancy are not read from the record yet; they take TCGA\'s "no" and "not reported" levels and are reported as missing inputs',
      'race and ethnicity come from US Core extensions with TCGA\'s OMB categories; TCGA has no South Asian category, so Indian patients can only be "Asian" or "not reported" and the model has seen few of either',
      'TCGA one-hot levels: stage, T, N, M values other than the listed ones fall into the reference level',
      `trained on ${train.length} patients with ${train.filter((p) => p.event).length} deaths; the test set has ${test.length} patients, ${test.filter((p) => p.event).length} deaths`,
    ],
    // full precision: inference must centre and scale exactly as training did
    standardisation,
    survivalGrid: SURVIVAL_GRID,
    sha256: sha256Hex(onnx),
  };
  return { onnx, card };
}
