import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approximateMode, shuffleSplit, stratifiedShuffleSplit, trainTestSplit, validateShuffleSplit } from '../../../src/federation/datasets/sklearn-split.ts';
import { RandomState } from '../../../src/random/mt19937.ts';

// Golden values are scikit-learn's doctests (run in its CI): sklearn/model_selection/_split.py docstrings of
// ShuffleSplit, StratifiedShuffleSplit and train_test_split, and sklearn/utils/extmath.py `_approximate_mode`.

describe('validateShuffleSplit', () => {
  it("gives FLamby's published per-centre sizes for test_size = 1 - 0.66, train_size = 0.66", () => {
    // FLamby fed_heart_disease README: 199/104, 172/89, 30/16, 85/45
    const sizes = [303, 261, 46, 130].map((n) => validateShuffleSplit(n, 1 - 0.66, 0.66));
    assert.deepEqual(sizes, [
      { nTrain: 199, nTest: 104 },
      { nTrain: 172, nTest: 89 },
      { nTrain: 30, nTest: 16 },
      { nTrain: 85, nTest: 45 },
    ]);
  });

  it('rounds the test fraction up and gives train the rest by default', () => {
    assert.deepEqual(validateShuffleSplit(5, 0.33, undefined), { nTrain: 3, nTest: 2 });
    assert.deepEqual(validateShuffleSplit(10, undefined, undefined), { nTrain: 7, nTest: 3 });
    assert.deepEqual(validateShuffleSplit(10, 4, undefined), { nTrain: 6, nTest: 4 });
  });

  it('rejects sizes scikit-learn rejects', () => {
    assert.throws(() => validateShuffleSplit(10, 0.6, 0.5), RangeError);
    assert.throws(() => validateShuffleSplit(10, 10, undefined), RangeError);
    assert.throws(() => validateShuffleSplit(10, 1.5, undefined), RangeError);
    assert.throws(() => validateShuffleSplit(10, 6, 5), RangeError);
  });
});

describe('ShuffleSplit', () => {
  it('reproduces the ShuffleSplit(n_splits=5, test_size=.25, random_state=0) doctest on 6 samples', () => {
    const rng = new RandomState(0);
    const folds = Array.from({ length: 5 }, () => shuffleSplit(6, 4, 2, rng));
    assert.deepEqual(folds, [
      { train: [1, 3, 0, 4], test: [5, 2] },
      { train: [4, 0, 2, 5], test: [1, 3] },
      { train: [1, 2, 4, 0], test: [3, 5] },
      { train: [3, 4, 1, 0], test: [5, 2] },
      { train: [3, 5, 1, 0], test: [2, 4] },
    ]);
  });

  it('reproduces the train_size=0.5 variant of that doctest', () => {
    const { nTrain, nTest } = validateShuffleSplit(6, 0.25, 0.5);
    const rng = new RandomState(0);
    assert.deepEqual(
      Array.from({ length: 5 }, () => shuffleSplit(6, nTrain, nTest, rng).train),
      [[1, 3, 0], [4, 0, 2], [1, 2, 4], [3, 4, 1], [3, 5, 1]],
    );
  });
});

describe('StratifiedShuffleSplit', () => {
  it('reproduces the StratifiedShuffleSplit(n_splits=5, test_size=0.5, random_state=0) doctest', () => {
    const rng = new RandomState(0);
    const folds = Array.from({ length: 5 }, () => stratifiedShuffleSplit([0, 0, 0, 1, 1, 1], 3, 3, rng));
    assert.deepEqual(folds, [
      { train: [5, 2, 3], test: [4, 1, 0] },
      { train: [5, 1, 4], test: [0, 2, 3] },
      { train: [5, 0, 2], test: [4, 3, 1] },
      { train: [4, 1, 0], test: [2, 3, 5] },
      { train: [0, 5, 1], test: [3, 4, 2] },
    ]);
  });

  it('refuses a class with a single member', () => {
    assert.throws(() => stratifiedShuffleSplit([0, 0, 0, 1], 2, 2, new RandomState(0)), RangeError);
  });
});

describe('approximateMode', () => {
  it('matches the _approximate_mode doctests', () => {
    assert.deepEqual(approximateMode([4, 2], 3, new RandomState(0)), [2, 1]);
    assert.deepEqual(approximateMode([5, 2], 4, new RandomState(0)), [3, 1]);
    // three-way tie on the remainder: broken by rng.choice, so the seed decides
    assert.deepEqual(approximateMode([2, 2, 2, 1], 2, new RandomState(0)), [0, 1, 1, 0]);
    assert.deepEqual(approximateMode([2, 2, 2, 1], 2, new RandomState(42)), [1, 1, 0, 0]);
  });
});

describe('trainTestSplit', () => {
  it('reproduces the train_test_split(test_size=0.33, random_state=42) doctest on 5 samples', () => {
    assert.deepEqual(trainTestSplit(5, { testSize: 0.33, randomState: 42 }), { train: [2, 0, 3], test: [1, 4] });
  });

  it('reproduces the iris doctest (150 samples, test_size=0.33, random_state=42): the first five of each part', () => {
    const { train, test } = trainTestSplit(150, { testSize: 0.33, randomState: 42 });
    assert.deepEqual([train.length, test.length], [100, 50]);
    assert.deepEqual(train.slice(0, 5), [96, 105, 66, 0, 122]);
    assert.deepEqual(test.slice(0, 5), [73, 18, 118, 78, 76]);
  });

  it('keeps class proportions when stratified', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const { train, test } = trainTestSplit(100, { testSize: 0.2, randomState: 1, stratify: y });
    assert.equal(test.filter((i) => y[i] === 1).length, 6);
    assert.equal(train.filter((i) => y[i] === 1).length, 24);
    assert.equal(new Set([...train, ...test]).size, 100);
  });
});
