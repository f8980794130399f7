/**
 * The shipped therapy-response model, trained on the synthetic cohort (and saying so): one example
 * per line of therapy a generated patient received, labelled with whether they responded. The
 * features are read from each patient's mapped FHIR record, exactly as at a site. Because the
 * generator knows each patient's true response probability, the card also reports how well the
 * model recovers it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { loadCodeTables } from '../clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../clinical/mcode/map-clinical-summary.ts';
import { generateCohortInMemory } from '../cohort/generate.ts';
import { assembleFeatures, fitStandardisation, standardise, type Standardisation } from '../features/feature-schema.ts';
import { regimenEncoding, RESPONSE_FEATURE_NAMES, RESPONSE_REGIMENS, responseSchema, type ResponseRegimen } from '../features/response-schema.ts';
import type { ModelCard } from '../inference/model-card.ts';
import { runForward } from '../modeling/execute.ts';
import { RESPONSE_PENALISED, responseGraph } from '../modeling/families/response.ts';
import { auc, brierScore, expectedCalibrationError } from '../modeling/metrics.ts';
import { exportOnnx } from '../modeling/onnx-export.ts';
import { tensor } from '../modeling/tensor.ts';
import { trainResponse, withTrained } from '../modeling/train.ts';
import { Rng } from '../random/rng.ts';
import { correlation, round6, sha256Hex } from './card-helpers.ts';

export const RESPONSE_TRAINING = { cohortSeed: 7, patientsPerSite: 400, seed: 3, hidden: 16, epochs: 40, learningRate: 0.01, batchSize: 64, l2: 1e-4 } as const;

interface Example {
  x: number[];
  y: number;
  truth: number;
  site: string;
  cancer: string;
  patient: string;
}

const IDENTITY: Standardisation = { mean: [], sd: [] };

/** One example per therapy line of every generated patient. */
export function responseExamples(): Example[] {
  const codes = loadCodeTables();
  const schema = responseSchema();
  const sites = generateCohortInMemory({ sites: 4, patientsPerSite: RESPONSE_TRAINING.patientsPerSite, seed: RESPONSE_TRAINING.cohortSeed });
  const out: Example[] = [];
  for (const site of sites) {
    for (const p of site.patients) {
      const resources = (p.bundle.entry ?? []).map((e) => e.resource as Resource);
      const summary = mapClinicalSummary(p.biology.id, resources, codes);
      const patient = assembleFeatures(schema, summary, IDENTITY).raw;
      for (const line of p.course.lines) {
        if (!(RESPONSE_REGIMENS as readonly string[]).includes(line.regimen)) continue;
        out.push({
          x: [...patient, ...regimenEncoding(line.regimen as ResponseRegimen, line.line)],
          y: line.responded ? 1 : 0,
          truth: line.responseProbability,
          site: site.profile.id,
          cancer: p.biology.cancer,
          patient: p.biology.id,
        });
      }
    }
  }
  return out;
}

export function trainSyntheticResponse(version = '1'): { onnx: Uint8Array; card: ModelCard } {
  const examples = responseExamples();
  // split by patient, from the seed: a patient's lines never straddle train and test
  const rng = new Rng(RESPONSE_TRAINING.seed, 'response-split');
  const testPatients = new Set([...new Set(examples.map((e) => e.patient))].filter(() => rng.next() < 0.2));
  const train = examples.filter((e) => !testPatients.has(e.patient));
  const test = examples.filter((e) => testPatients.has(e.patient));
  const standardisation = fitStandardisation(train.map((e) => e.x));
  const width = RESPONSE_FEATURE_NAMES.length;
  const matrix = (es: Example[]) => tensor([es.length, width], es.flatMap((e) => standardise(e.x, standardisation)));
  const graph = responseGraph({ features: width, hidden: RESPONSE_TRAINING.hidden, seed: RESPONSE_TRAINING.seed });
  const trained = trainResponse(graph, matrix(train), train.map((e) => e.y), {
    epochs: RESPONSE_TRAINING.epochs,
    learningRate: RESPONSE_TRAINING.learningRate,
    batchSize: RESPONSE_TRAINING.batchSize,
    seed: RESPONSE_TRAINING.seed,
    penalty: { lambda: RESPONSE_TRAINING.l2, parameters: RESPONSE_PENALISED },
  });
  const model = withTrained(graph, trained.parameters);
  const predict = (es: Example[]) => Array.from(runForward(model, { features: matrix(es) }).get('probability')!.data);
  const metrics = (es: Example[]) => {
    const p = predict(es);
    const y = es.map((e) => e.y);
    return { auc: round6(auc(p, y)), brier: round6(brierScore(p, y)), ece: round6(expectedCalibrationError(p, y)), truthCorrelation: round6(correlation(p, es.map((e) => e.truth))), truthAuc: round6(auc(es.map((e) => e.truth), y)), examples: es.length };
  };
  const subgroups: Record<string, Record<string, number | null>> = {};
  for (const site of [...new Set(examples.map((e) => e.site))].sort()) subgroups[`site ${site}`] = metrics(test.filter((e) => e.site === site));
  for (const cancer of ['lung', 'colorectal', 'breast']) subgroups[`cancer ${cancer}`] = metrics(test.filter((e) => e.cancer === cancer));
  const onnx = exportOnnx(model, model.parameters, { producerVersion: version, metadata: { model: 'response-synthetic', version, featureSchema: 'response-features@1' } });
  const card: ModelCard = {
    name: 'response-synthetic',
    version,
    task: 'response',
    description: 'P(response) to a regimen for a patient: a one-hidden-layer MLP over patient features, the regimen and the line of therapy. TRAINED ON SYNTHETIC DATA.',
    featureSchema: 'response-features@1',
    inputs: [{ name: 'features', shape: ['batch', width], description: `standardised ${RESPONSE_FEATURE_NAMES.join(', ')}` }],
    outputs: [
      { name: 'logit', shape: ['batch', 1], description: 'log-odds of response' },
      { name: 'probability', shape: ['batch', 1], description: 'P(response)' },
    ],
    training: {
      data: 'SYNTHETIC: the Sangam cohort generator (4 built-in site profiles), one example per line of therapy; no real patient data',
      synthetic: true,
      examples: train.length,
      split: `by patient, 80/20 from the seed: ${train.length} train, ${test.length} test examples`,
      sites: [...new Set(examples.map((e) => e.site))].sort(),
      federatedRounds: 0,
      seed: RESPONSE_TRAINING.seed,
      settings: { optimiser: 'Adam', ...RESPONSE_TRAINING },
    },
    metrics: { overall: { ...metrics(test), trainAuc: metrics(train).auc }, subgroups, reference: 'truthCorrelation: Pearson correlation of the predicted probability with the generator’s true response probability; truthAuc: the AUC of those true probabilities, the ceiling any model can reach on these outcomes' },
    privacy: { epsilon: null, delta: null, note: 'synthetic data; no differential privacy applied' },
    intendedUse: 'Demonstration and testing of the decision-support pipeline. Trained on synthetic data: its probabilities say nothing about real patients and must not guide treatment.',
    limitations: ['synthetic training data with documented, simplified response rules (src/cohort/outcome-model.ts)', 'knows only the 13 regimens of the synthetic formulary'],
    standardisation,
    sha256: sha256Hex(onnx),
  };
  return { onnx, card };
}
