/**
 * scikit-learn's `train_test_split` with `shuffle=True`, draw for draw, so that a split made in Python with
 * `random_state=<int>` (FLamby's Fed-Heart-Disease) is reproduced exactly here.
 *
 * Source: scikit-learn `sklearn/model_selection/_split.py` (`train_test_split`, `_validate_shuffle_split`,
 * `ShuffleSplit._iter_indices` in `BaseShuffleSplit`, `StratifiedShuffleSplit._iter_indices`) and
 * `sklearn/utils/extmath.py` (`_approximate_mode`); read at 1.9.1, unchanged in substance since 0.22.
 * `check_random_state(int)` is numpy's legacy `RandomState(int)`.
 */
import { RandomState } from '../../random/mt19937.ts';

/**
 * A size as scikit-learn reads it: an integer of at least 1 is a count, anything in (0, 1) a fraction.
 * (Python tells `1` from `1.0` by type; here 1 is a count, and a fraction of 1.0 is invalid there too.)
 */
export type SplitSize = number;

/** The arguments of `train_test_split` that decide the split (`shuffle=True` always). */
export interface TrainTestSplitOptions {
  testSize?: SplitSize;
  trainSize?: SplitSize;
  /** The integer passed as `random_state`. */
  randomState: number;
  /** Class labels, one per sample: a stratified split (`StratifiedShuffleSplit`) when given. */
  stratify?: ArrayLike<number>;
}

/** Sample indices of each part, in the order scikit-learn returns them. */
export interface SplitIndices {
  train: number[];
  test: number[];
}

function isCount(size: number): boolean {
  return Number.isInteger(size) && size >= 1;
}

/** `_validate_shuffle_split`: sample counts from fractions (test rounds up, train rounds down) or counts. */
export function validateShuffleSplit(nSamples: number, testSize: SplitSize | undefined, trainSize: SplitSize | undefined, defaultTestSize = 0.25): { nTrain: number; nTest: number } {
  const test = testSize === undefined && trainSize === undefined ? defaultTestSize : testSize;
  for (const [name, size] of [['test_size', test], ['train_size', trainSize]] as const) {
    if (size === undefined) continue;
    if (isCount(size) ? size >= nSamples : !(size > 0 && size < 1)) {
      throw new RangeError(`${name}=${size} should be either positive and smaller than the number of samples ${nSamples} or a float in the (0, 1) range`);
    }
  }
  if (test !== undefined && trainSize !== undefined && !isCount(test) && !isCount(trainSize) && trainSize + test > 1) {
    throw new RangeError(`the sum of test_size and train_size = ${trainSize + test}, should be in the (0, 1) range`);
  }
  let nTest = test === undefined ? undefined : isCount(test) ? test : Math.ceil(test * nSamples);
  let nTrain = trainSize === undefined ? undefined : isCount(trainSize) ? trainSize : Math.floor(trainSize * nSamples);
  if (nTrain === undefined) nTrain = nSamples - nTest!;
  if (nTest === undefined) nTest = nSamples - nTrain;
  if (nTrain + nTest > nSamples) throw new RangeError(`the sum of train_size and test_size = ${nTrain + nTest}, should be smaller than the number of samples ${nSamples}`);
  if (nTrain === 0) throw new RangeError(`with n_samples=${nSamples}, test_size=${testSize} and train_size=${trainSize}, the resulting train set would be empty`);
  return { nTrain, nTest };
}

/** One draw of `ShuffleSplit`: test is the head of `rng.permutation(n)`, train the next `nTrain`. */
export function shuffleSplit(nSamples: number, nTrain: number, nTest: number, rng: RandomState): SplitIndices {
  const permutation = rng.permutation(nSamples);
  return { test: permutation.slice(0, nTest), train: permutation.slice(nTest, nTest + nTrain) };
}

/**
 * `_approximate_mode`: how many of `nDraws` each class gets, the floor of its proportional share plus
 * one for the largest remainders; ties among equal remainders are broken by `rng.choice(..., replace=False)`.
 */
export function approximateMode(classCounts: readonly number[], nDraws: number, rng: RandomState): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  // same operation order as numpy (count / total, then * n_draws) so remainders tie exactly when numpy's do
  const continuous = classCounts.map((c) => (c / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = nDraws - floored.reduce((a, b) => a + b, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(inds.length, needToAdd);
      for (const i of rng.choiceWithoutReplacement(inds, addNow)) floored[i]! += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/** One draw of `StratifiedShuffleSplit`: each class is split in proportion, then train and test are shuffled. */
export function stratifiedShuffleSplit(y: ArrayLike<number>, nTrain: number, nTest: number, rng: RandomState): SplitIndices {
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  // np.unique then a stable argsort: each class's sample indices in ascending order
  const classIndices = classes.map((c) => Array.from(y).flatMap((v, i) => (v === c ? [i] : [])));
  const classCounts = classIndices.map((ids) => ids.length);
  if (Math.min(...classCounts) < 2) throw new RangeError('the least populated class in y has only 1 member, which is too few');
  if (nTrain < classes.length) throw new RangeError(`the train_size = ${nTrain} should be greater or equal to the number of classes = ${classes.length}`);
  if (nTest < classes.length) throw new RangeError(`the test_size = ${nTest} should be greater or equal to the number of classes = ${classes.length}`);
  const nI = approximateMode(classCounts, nTrain, rng);
  const tI = approximateMode(
    classCounts.map((c, i) => c - nI[i]!),
    nTest,
    rng,
  );
  const train: number[] = [];
  const test: number[] = [];
  classIndices.forEach((ids, i) => {
    const permuted = rng.permutation(ids.length).map((p) => ids[p]!);
    train.push(...permuted.slice(0, nI[i]));
    test.push(...permuted.slice(nI[i], nI[i]! + tI[i]!));
  });
  // the final shuffles only reorder the sets, but they draw from rng, so later splits depend on them
  return { train: rng.permuted(train), test: rng.permuted(test) };
}

/** `train_test_split(np.arange(nSamples), ..., shuffle=True)`: the train and test indices it returns. */
export function trainTestSplit(nSamples: number, options: TrainTestSplitOptions): SplitIndices {
  const { nTrain, nTest } = validateShuffleSplit(nSamples, options.testSize, options.trainSize);
  const rng = new RandomState(options.randomState);
  if (options.stratify === undefined) return shuffleSplit(nSamples, nTrain, nTest, rng);
  if (options.stratify.length !== nSamples) throw new RangeError('stratify must have one label per sample');
  return stratifiedShuffleSplit(options.stratify, nTrain, nTest, rng);
}
