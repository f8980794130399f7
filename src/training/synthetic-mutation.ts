/**
 * The shipped slide-level mutation model, trained on the synthetic cohort (and saying so): each
 * generated patient's H&E tiles go through the site's own tile pipeline (QC, Macenko, built-in
 * features), and a gated-attention MIL model learns the biomarker panel from the bags. Labels are
 * the generator's truth for every patient (a site would have them only for sequenced patients;
 * the trainer accepts unknown labels for that case). Breast cancers are left out: the panel's
 * alterations are lung and colorectal ones. A mean-pooling
 * logistic baseline is trained on the same bags and reported beside it.
 */
import { generateCohortInMemory, slideTiles } from '../cohort/generate.ts';
import { biomarkers } from '../cohort/patient.ts';
import { fitStandardisation, standardise, type Standardisation } from '../features/feature-schema.ts';
import type { ModelCard } from '../inference/model-card.ts';
import { runForward } from '../modeling/execute.ts';
import { MUTATION_PENALISED, mutationGraph } from '../modeling/families/mutation.ts';
import { responseGraph } from '../modeling/families/response.ts';
import { auc } from '../modeling/metrics.ts';
import { exportOnnx } from '../modeling/onnx-export.ts';
import { tensor, type Tensor } from '../modeling/tensor.ts';
import { trainMutation, trainResponse, withTrained } from '../modeling/train.ts';
import { TILE_FEATURE_NAMES, TILE_FEATURES_VERSION } from '../pathology/tile-features.ts';
import { createTilePool } from '../pathology/tile-pool.ts';
import { Rng } from '../random/rng.ts';
import { round6, sha256Hex } from './card-helpers.ts';

export const MUTATION_BIOMARKERS = ['MSI_H', 'EGFR', 'KRAS', 'BRAF_V600E'] as const;
export const MUTATION_TRAINING = { cohortSeed: 11, patientsPerSite: 250, tilesPerSlide: 8, seed: 5, hidden: 32, attention: 16, epochs: 20, learningRate: 0.003, l2: 1e-4 } as const;

interface SlideExample {
  patient: string;
  site: string;
  cancer: string;
  /** raw built-in features, [tiles × 30] */
  tiles: number[][];
  labels: number[];
}

/** Renders every generated slide and embeds its kept tiles with the tile pipeline. */
export async function mutationExamples(): Promise<SlideExample[]> {
  const sites = generateCohortInMemory({ sites: 4, patientsPerSite: MUTATION_TRAINING.patientsPerSite, seed: MUTATION_TRAINING.cohortSeed });
  const pool = createTilePool();
  try {
    // the panel's biomarkers are lung and colorectal alterations; breast slides add no positives
    const jobs = sites.flatMap((site) =>
      site.patients.filter((p) => p.biology.cancer !== 'breast').map(async (p) => {
        const slide = slideTiles(site.profile, MUTATION_TRAINING.cohortSeed, p.biology, MUTATION_TRAINING.tilesPerSlide);
        const records = await Promise.all(slide.tiles.map(async (t) => pool.process(t.name, await t.render().toBuffer())));
        const truth = biomarkers(p.biology);
        const label = (v: boolean) => (v ? 1 : 0);
        return {
          patient: p.biology.id,
          site: site.profile.id,
          cancer: p.biology.cancer,
          tiles: records.filter((r) => r.kept && r.embedding).map((r) => Array.from(r.embedding as Float32Array)),
          labels: [label(truth.msiH), label(truth.egfr), label(truth.kras), label(truth.brafV600E)],
        };
      }),
    );
    return (await Promise.all(jobs)).filter((e) => e.tiles.length > 0);
  } finally {
    await pool.close();
  }
}

function bagTensor(tiles: number[][], std: Standardisation): Tensor {
  const d = std.mean.length;
  return tensor([tiles.length, d], tiles.flatMap((row) => standardise(row, std)));
}

export async function trainSyntheticMutation(version = '1'): Promise<{ onnx: Uint8Array; card: ModelCard }> {
  const examples = await mutationExamples();
  const rng = new Rng(MUTATION_TRAINING.seed, 'mutation-split');
  const isTest = examples.map(() => rng.next() < 0.25);
  const train = examples.filter((_, i) => !isTest[i]);
  const test = examples.filter((_, i) => isTest[i]);
  const std = fitStandardisation(train.flatMap((e) => e.tiles));
  const graph = mutationGraph({ embedding: TILE_FEATURE_NAMES.length, biomarkers: MUTATION_BIOMARKERS, hidden: MUTATION_TRAINING.hidden, attention: MUTATION_TRAINING.attention, seed: MUTATION_TRAINING.seed });
  const trained = trainMutation(graph, train.map((e) => ({ tiles: bagTensor(e.tiles, std), labels: e.labels })), {
    epochs: MUTATION_TRAINING.epochs,
    learningRate: MUTATION_TRAINING.learningRate,
    seed: MUTATION_TRAINING.seed,
    penalty: { lambda: MUTATION_TRAINING.l2, parameters: MUTATION_PENALISED },
  });
  const model = withTrained(graph, trained.parameters);
  const milScores = (es: SlideExample[]) => es.map((e) => Array.from(runForward(model, { tiles: bagTensor(e.tiles, std) }).get('probability')!.data));

  // the baseline: per biomarker, logistic regression on the slide's mean tile features
  const meanOf = (e: SlideExample) => std.mean.map((_, j) => e.tiles.reduce((a, t) => a + (t[j]! - std.mean[j]!) / std.sd[j]!, 0) / e.tiles.length);
  const baselineScores = MUTATION_BIOMARKERS.map((_, k) => {
    const rows = train.filter((e) => !Number.isNaN(e.labels[k]!));
    const g = responseGraph({ features: std.mean.length, seed: MUTATION_TRAINING.seed });
    const fit = trainResponse(g, tensor([rows.length, std.mean.length], rows.flatMap(meanOf)), rows.map((e) => e.labels[k]!), { epochs: 200, learningRate: 0.05, seed: MUTATION_TRAINING.seed, penalty: { lambda: 1e-3, parameters: ['output.weight'] } });
    return (es: SlideExample[]) => Array.from(runForward(g, { features: tensor([es.length, std.mean.length], es.flatMap(meanOf)) }, fit.parameters).get('probability')!.data);
  });

  const evaluate = (es: SlideExample[]) => {
    const mil = milScores(es);
    const out: Record<string, number | null> = {};
    MUTATION_BIOMARKERS.forEach((b, k) => {
      const rows = es.map((e, i) => ({ y: e.labels[k]!, p: mil[i]![k]!, i })).filter((r) => !Number.isNaN(r.y));
      const base = baselineScores[k]!(rows.map((r) => es[r.i]!));
      const a = auc(rows.map((r) => r.p), rows.map((r) => r.y));
      const m = auc(base, rows.map((r) => r.y));
      out[`${b}_auc`] = Number.isNaN(a) ? null : round6(a);
      out[`${b}_meanPoolAuc`] = Number.isNaN(m) ? null : round6(m);
      out[`${b}_positives`] = rows.filter((r) => r.y === 1).length;
      out[`${b}_labelled`] = rows.length;
    });
    return out;
  };
  const subgroups: Record<string, Record<string, number | null>> = {};
  for (const site of [...new Set(examples.map((e) => e.site))].sort()) subgroups[`site ${site}`] = evaluate(test.filter((e) => e.site === site));
  const onnx = exportOnnx(model, model.parameters, { producerVersion: version, metadata: { model: 'mutation-synthetic', version, featureSchema: `tile-embedding:builtin-features@${TILE_FEATURES_VERSION}` } });
  const card: ModelCard = {
    name: 'mutation-synthetic',
    version,
    task: 'mutation',
    description: `Slide-level biomarker prediction (${MUTATION_BIOMARKERS.join(', ')}) by gated-attention MIL over built-in tile features, with per-tile attention. TRAINED ON SYNTHETIC DATA.`,
    featureSchema: `tile-embedding:builtin-features@${TILE_FEATURES_VERSION}`,
    inputs: [{ name: 'tiles', shape: ['tiles', TILE_FEATURE_NAMES.length], description: 'the kept tiles of one slide: built-in features, standardised with `standardisation`' }],
    outputs: [
      { name: 'logit', shape: [MUTATION_BIOMARKERS.length], description: 'log-odds per biomarker' },
      { name: 'probability', shape: [MUTATION_BIOMARKERS.length], description: `P(${MUTATION_BIOMARKERS.join(', ')})` },
      { name: 'attention', shape: ['tiles', MUTATION_BIOMARKERS.length], description: 'attention of each tile, per biomarker' },
    ],
    training: {
      data: 'SYNTHETIC: H&E-like tiles from the Sangam cohort generator (4 built-in site profiles, each with its own stain), run through the site tile pipeline; labels are the generator truth for every patient',
      synthetic: true,
      examples: train.length,
      split: `by slide, 75/25 from the seed: ${train.length} train, ${test.length} test slides`,
      sites: [...new Set(examples.map((e) => e.site))].sort(),
      federatedRounds: 0,
      seed: MUTATION_TRAINING.seed,
      settings: { optimiser: 'Adam, one bag per step', ...MUTATION_TRAINING },
    },
    metrics: { overall: evaluate(test), subgroups, reference: '_meanPoolAuc: logistic regression on the slide-mean of the same standardised tile features, trained on the same slides' },
    privacy: { epsilon: null, delta: null, note: 'synthetic data; no differential privacy applied' },
    intendedUse: 'Demonstration and testing of slide-level prediction and attention. Trained on synthetic tiles whose planted signal is simplified: it says nothing about real slides and must not replace molecular testing.',
    limitations: ['synthetic tiles with patient-level morphology shifts', `${MUTATION_TRAINING.tilesPerSlide} tiles per slide in training`],
    standardisation: std,
    biomarkers: [...MUTATION_BIOMARKERS],
    sha256: sha256Hex(onnx),
  };
  return { onnx, card };
}
