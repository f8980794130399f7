/**
 * A site's local training for a lineage made from the model it serves. At a round's start the site
 * assembles its labelled set from its own records (`../site-data/training-set.ts`: consent applied
 * as of that moment, held-out patients set aside), standardises the features with the served
 * model's card exactly as inference does, and trains with the FLamby-style local trainer
 * (`../local-training/local-trainer.ts`) from the round's global weights. When the round asks for
 * differential privacy it runs DP-SGD at q = batch size / n with the round's σ and C, and the
 * planner prices the round at that q before any data is touched by training.
 *
 * Differential privacy is per patient: under DP a patient contributes one example (their first line
 * of therapy in the set's order), so clipping one example's gradient bounds one patient's influence.
 * Nothing computed here leaves the site except the delta, the example count and the DP steps.
 */
import { randomInt } from 'node:crypto';
import { badInput, notFound } from '../../errors/domain-error.ts';
import { standardise } from '../../features/feature-schema.ts';
import type { ModelCard } from '../../inference/model-card.ts';
import type { ModelRegistry } from '../../inference/model-registry.ts';
import type { Logger } from '../../logging/logger.ts';
import { parameterCount, type FederatedModel } from '../local-training/federated-model.ts';
import { trainLocally } from '../local-training/local-trainer.ts';
import { binaryData, survivalData, type SiteData } from '../local-training/site-data.ts';
import type { SgmSteps } from '../privacy/rdp-accountant.ts';
import type { LabelledSet } from '../site-data/labelled-set.ts';
import { loadSiteTrainingSet, type SiteCounts, type SiteDataServices } from '../site-data/training-set.ts';
import { noTrainingData } from '../site/no-training-data.ts';
import type { DataCheck, PrivacyPlanner, RoundWork, SiteTrainer } from '../site/types.ts';
import { federatedModelFromCard, siteTaskOf } from './lineage-model.ts';

/** What local training reads at a site: its records, consent, and the served models. */
export interface SiteTrainingServices extends SiteDataServices {
  models: Pick<ModelRegistry, 'has' | 'lease'>;
}

export interface SiteTrainingOptions {
  services: SiteTrainingServices;
  /** the served model the lineage trains (its registry name) */
  model: string;
  siteId: string;
  /** the site's secret for its train/held-out split */
  splitKey?: string;
  /** fixes the site's training randomness (tests); fresh randomness each round otherwise, since whoever knows it can subtract the DP noise */
  seed?: number;
  logger?: Logger;
  now?: () => number;
}

export interface SiteTraining {
  trainer: SiteTrainer;
  planPrivacy: PrivacyPlanner;
  /** Assembles the round's training set and throws NoTrainingDataError when it is empty. */
  checkData: DataCheck;
  /** The card of the version the site serves now. */
  servedCard(): ModelCard;
  /** The site's held-out examples as of `asOf`, for testing a new version; null when it has none. */
  heldOut(asOf: Date): Promise<LabelledSet | null>;
}

interface Prepared {
  roundId: string;
  model: FederatedModel;
  data: SiteData;
  counts: SiteCounts;
}

/** One example per patient (the first in the set's order): what makes per-example DP per-patient. */
function onePerPatient<E extends { unit: number }>(examples: readonly E[]): E[] {
  const seen = new Set<number>();
  return examples.filter((e) => !seen.has(e.unit) && (seen.add(e.unit), true));
}

/** The set's examples as trainer rows, standardised as the card says. */
function toSiteData(set: LabelledSet, card: ModelCard, dp: boolean): SiteData {
  const width = card.inputs[0]?.shape[1];
  if (typeof width !== 'number') throw badInput(`${card.name}@${card.version}: the card's input has no fixed width`);
  const examples: readonly LabelledSet['examples'][number][] = dp ? onePerPatient<LabelledSet['examples'][number]>(set.examples) : set.examples;
  const x = new Float64Array(examples.length * width);
  examples.forEach((e, i) => {
    if (e.features.length !== width) throw badInput(`${card.name}@${card.version} reads ${width} features; the site's examples have ${e.features.length}`);
    x.set(card.standardisation ? standardise(e.features, card.standardisation) : e.features, i * width);
  });
  const rows = { rows: examples.length, features: width, x };
  if (set.task === 'prognosis') {
    const ex = examples as typeof set.examples;
    return survivalData(rows, ex.map((e) => e.time), ex.map((e) => e.event));
  }
  return binaryData(rows, (examples as typeof set.examples).map((e) => e.label));
}

/** Creates the trainer and privacy planner a site participant calls. */
export function createSiteTraining(options: SiteTrainingOptions): SiteTraining {
  const { services, model: name, siteId, logger } = options;
  const now = options.now ?? Date.now;
  // the moment the site first saw each round: its training set is assembled as of then, so a retry trains on the same patients
  const started = new Map<string, Date>();
  let prepared: Prepared | undefined;

  const servedCard = (): ModelCard => {
    if (!services.models.has(name)) throw notFound(`this site serves no model ${name}`);
    const lease = services.models.lease(name);
    try {
      return lease.card;
    } finally {
      lease.release();
    }
  };

  const load = async (card: ModelCard, asOf: Date) => {
    const set = await loadSiteTrainingSet(services, { task: siteTaskOf(card), asOf, ...(options.splitKey ? { splitKey: options.splitKey } : {}) });
    if (set.status === 'ready' && set.train.featureSchema !== card.featureSchema) {
      throw badInput(`${card.name}@${card.version} reads ${card.featureSchema}; the site's labelled set has ${set.train.featureSchema}`);
    }
    return set;
  };

  const prepare = async (work: RoundWork): Promise<Prepared> => {
    if (prepared?.roundId === work.roundId) return prepared;
    const card = servedCard();
    const lineage = card.federation?.lineage;
    if (lineage !== undefined && lineage !== work.lineageId) throw badInput(`round ${work.roundId} trains lineage ${work.lineageId}; this site serves ${name} of lineage ${lineage}`);
    const model = federatedModelFromCard(card);
    if (parameterCount(model) !== work.weights.length) {
      throw badInput(`round ${work.roundId} sends ${work.weights.length} weights; ${card.name}@${card.version} has ${parameterCount(model)}`);
    }
    if (!started.has(work.roundId)) started.set(work.roundId, new Date(now()));
    const set = await load(card, started.get(work.roundId)!);
    if (set.status !== 'ready') throw noTrainingData(`this site cannot train ${name}: ${set.reason}`);
    const data = toSiteData(set.train, card, work.dp !== null);
    if (data.rows === 0) throw noTrainingData(`this site cannot train ${name}: every labelled patient is held out`);
    // counts only: the log never carries a patient's data
    logger?.info({ roundId: work.roundId, model: `${card.name}@${card.version}`, rows: data.rows, ...set.counts }, 'federated training set assembled');
    prepared = { roundId: work.roundId, model, data, counts: set.counts };
    return prepared;
  };

  const stepsOf = (work: RoundWork, rows: number): SgmSteps | null =>
    work.dp ? { sampleRate: Math.min(1, work.batchSize / rows), noiseMultiplier: work.dp.noiseMultiplier, steps: work.localSteps } : null;

  return {
    servedCard,
    async checkData(work) {
      await prepare(work);
    },
    async planPrivacy(work) {
      if (!work.dp) return null;
      return stepsOf(work, (await prepare(work)).data.rows);
    },
    async trainer(work) {
      const { model, data } = await prepare(work);
      const steps = stepsOf(work, data.rows);
      const update = trainLocally(
        model,
        work.weights,
        data,
        {
          localSteps: work.localSteps,
          batchSize: work.batchSize,
          learningRate: work.learningRate,
          mu: work.mu ?? 0,
          ...(steps && work.dp ? { dp: { sampleRate: steps.sampleRate, noiseMultiplier: work.dp.noiseMultiplier, clipNorm: work.dp.clipNorm } } : {}),
        },
        { seed: options.seed ?? randomInt(0, 2 ** 31 - 1), site: siteId, round: work.baseVersion + 1 },
      );
      started.delete(work.roundId);
      return { delta: update.delta, numExamples: update.numExamples, ...(update.privacy ? { privacy: update.privacy } : {}) };
    },
    async heldOut(asOf) {
      const set = await load(servedCard(), asOf);
      return set.status === 'ready' && set.heldOut.examples.length > 0 ? set.heldOut : null;
    },
  };
}
