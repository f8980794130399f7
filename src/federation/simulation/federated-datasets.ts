/**
 * The three benchmark federations: per site a train and a test part, the model family every site
 * trains, and the metric reported. Fed-TCGA-BRCA and Fed-Heart-Disease are FLamby's data
 * preparation and splits exactly (`src/federation/datasets`) with FLamby's models; the synthetic
 * cohort is described in `synthetic-task.ts`.
 */
import { badInput } from '../../errors/domain-error.ts';
import { Rng } from '../../random/rng.ts';
import { loadHeartDisease } from '../datasets/heart-disease.ts';
import { loadTcgaBrcaSites } from '../datasets/tcga-brca.ts';
import { permutation } from '../local-training/cycling-loader.ts';
import { linearCoxModel, logisticModel, type FederatedModel } from '../local-training/federated-model.ts';
import { binaryData, concatRows, selectRows, survivalData, type SiteData } from '../local-training/site-data.ts';
import { buildSyntheticSites } from './synthetic-task.ts';

/** The federations `simulateFederation` knows. */
export const FEDERATED_DATASETS = ['tcga-brca', 'heart', 'synthetic'] as const;
/** One of {@link FEDERATED_DATASETS}. */
export type FederatedDatasetName = (typeof FEDERATED_DATASETS)[number];

/**
 * - `c-index`: Harrell's C on the risk score (FLamby: lifelines `concordance_index(T, −score, E)`)
 * - `accuracy`: P(y = 1) > 0.5 against the label (FLamby's heart metric)
 * - `auc`: ROC AUC of the predicted probability (synthetic: a threshold-free measure, since the
 *   sites' response rates differ and one threshold would favour some sites)
 */
export type MetricName = 'c-index' | 'accuracy' | 'auc';

/** One site: its training rows (which stay with it) and its test rows. */
export interface FederatedSite {
  name: string;
  train: SiteData;
  test: SiteData;
  /**
   * The same rows, in the same order, as the pooled test set sees them, when that differs. FLamby's
   * Fed-Heart-Disease z-scores each centre with its own train statistics, but its "Pooled Test"
   * (`FedHeartDisease(train=False, pooled=True)`) z-scores every row with the statistics of all
   * centres' train rows; the published pooled accuracies are measured that way, so ours are too.
   */
  pooledView?: { train: SiteData; test: SiteData };
}

/** A federation: its sites in the benchmark's order, the model they train and the metric. */
export interface FederatedDataset {
  name: FederatedDatasetName;
  sites: FederatedSite[];
  /** a fresh model definition (graphs are cheap; parameters live in flat vectors) */
  model: FederatedModel;
  metric: MetricName;
}

/** Hidden units of the synthetic task's MLP: the shipped response model's width. */
export const SYNTHETIC_HIDDEN = 16;

/** The pooled test set: every site's test rows, concatenated in site order (FLamby's "Pooled Test"). */
export function pooledTestSet(dataset: FederatedDataset): SiteData {
  return concatRows(dataset.sites.map((s) => s.pooledView?.test ?? s.test));
}

/** Loads one federation (reads the copied data files; `synthetic` generates its cohort). */
export function loadFederatedDataset(name: FederatedDatasetName): FederatedDataset {
  switch (name) {
    case 'tcga-brca': {
      const { columns, sites } = loadTcgaBrcaSites();
      const part = (r: (typeof sites)[number]['train']) => survivalData(r, r.time, r.event);
      return { name, model: linearCoxModel(columns.length), metric: 'c-index', sites: sites.map((s) => ({ name: s.name, train: part(s.train), test: part(s.test) })) };
    }
    case 'heart': {
      const { columns, centres } = loadHeartDisease();
      const pooled = loadHeartDisease(undefined, { normalise: 'pooled' }).centres;
      return {
        name,
        model: logisticModel(columns.length),
        metric: 'accuracy',
        sites: centres.map((c, i) => {
          const p = pooled[i]!;
          return {
            name: c.name,
            train: binaryData(c.train, c.train.y),
            test: binaryData(c.test, c.test.y),
            pooledView: { train: binaryData(p.train, p.train.y), test: binaryData(p.test, p.test.y) },
          };
        }),
      };
    }
    case 'synthetic': {
      const { columns, sites } = buildSyntheticSites();
      return { name, model: logisticModel(columns.length, SYNTHETIC_HIDDEN), metric: 'auc', sites };
    }
    default:
      throw badInput(`unknown dataset ${String(name)}; expected one of ${FEDERATED_DATASETS.join(', ')}`);
  }
}

/** The validation carve-out: a fixed seeded permutation of each site's training rows, cut into 5 folds. */
export const VALIDATION_SPLIT = { seed: 2024, folds: 5 } as const;

/**
 * The same federation with each site's test part replaced by fold `fold` of its training rows and
 * training on the other folds (5-fold cross-validation within each site). Settings are chosen on
 * these folds, so the test sets are touched only to report the chosen settings' figures.
 */
export function withValidationSplit(dataset: FederatedDataset, fold = 0): FederatedDataset {
  if (!Number.isInteger(fold) || fold < 0 || fold >= VALIDATION_SPLIT.folds) throw badInput(`validation fold must be 0-${VALIDATION_SPLIT.folds - 1}, got ${fold}`);
  const sites = dataset.sites.map((s) => {
    const order = permutation(s.train.rows, new Rng(VALIDATION_SPLIT.seed, `validation/${dataset.name}/${s.name}`));
    const from = Math.floor((fold * s.train.rows) / VALIDATION_SPLIT.folds);
    const to = Math.floor(((fold + 1) * s.train.rows) / VALIDATION_SPLIT.folds);
    const held = order.slice(from, to);
    const kept = [...order.slice(0, from), ...order.slice(to)];
    const carve = (rows: SiteData) => ({ train: selectRows(rows, kept), test: selectRows(rows, held) });
    return { name: s.name, ...carve(s.train), ...(s.pooledView ? { pooledView: carve(s.pooledView.train) } : {}) };
  });
  return { ...dataset, sites };
}
