import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MT19937, RandomState } from '../../src/random/mt19937.ts';

// numpy's own golden values: numpy/random/tests/test_randomstate.py, class TestRandomDist (seed = 1234567890)
const NUMPY_SEED = 1234567890;

describe('MT19937', () => {
  it('gives the reference outputs of init_genrand(5489), the default seed of C++ std::mt19937', () => {
    const mt = new MT19937(5489);
    // the first outputs as listed for std::mt19937 (cppreference, mersenne_twister_engine)
    assert.deepEqual([mt.nextU32(), mt.nextU32(), mt.nextU32()], [3499211612, 581869302, 3890346734]);
  });

  it('gives 4123659995 on the 10000th draw (ISO C++ [rand.predef]: required behaviour of mt19937)', () => {
    const mt = new MT19937(5489);
    let value = 0;
    for (let i = 0; i < 10000; i++) value = mt.nextU32();
    assert.equal(value, 4123659995);
  });

  it('rejects seeds outside [0, 2**32 - 1], as numpy does', () => {
    assert.throws(() => new MT19937(-1), RangeError);
    assert.throws(() => new MT19937(2 ** 32), RangeError);
    assert.throws(() => new MT19937(1.5), RangeError);
  });
});

describe('RandomState (numpy legacy)', () => {
  it('random_sample matches test_random_sample', () => {
    const rng = new RandomState(NUMPY_SEED);
    const desired = [0.61879477158567997, 0.59162362775974664, 0.88868358904449662, 0.89165480011560816, 0.4575674820298663, 0.7781880808593471];
    for (const d of desired) assert.ok(Math.abs(rng.randomSample() - d) < 1e-15);
  });

  it('randint(-99, 99) matches test_randint (masked rejection)', () => {
    const rng = new RandomState(NUMPY_SEED);
    assert.deepEqual(Array.from({ length: 6 }, () => rng.randint(-99, 99)), [31, 3, -52, 41, -48, -66]);
  });

  it('shuffle matches test_shuffle', () => {
    const rng = new RandomState(NUMPY_SEED);
    const list = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    rng.shuffle(list);
    assert.deepEqual(list, [0, 1, 9, 6, 2, 4, 5, 8, 7, 3]);
  });

  it('permutation(list) and permutation(10) match test_permutation', () => {
    const list = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    assert.deepEqual(new RandomState(NUMPY_SEED).permuted(list), [0, 1, 9, 6, 2, 4, 5, 8, 7, 3]);
    assert.deepEqual(list, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0], 'permuted copies');
    assert.deepEqual(new RandomState(NUMPY_SEED).permutation(10), [9, 0, 8, 5, 1, 3, 4, 7, 6, 2]);
  });

  it('choice(4, 3, replace=False) matches test_choice_uniform_noreplace', () => {
    assert.deepEqual(new RandomState(NUMPY_SEED).choiceWithoutReplacement([0, 1, 2, 3], 3), [0, 1, 3]);
  });

  it('RandomState(42).permutation(10) is the widely quoted [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]', () => {
    // also printed by numpy 2.4.6 here
    assert.deepEqual(new RandomState(42).permutation(10), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
  });

  it('random_interval(0) draws nothing, so a 1-element shuffle leaves the stream where it was', () => {
    const a = new RandomState(7);
    const b = new RandomState(7);
    assert.equal(a.randomInterval(0), 0);
    a.permutation(1);
    assert.equal(a.nextU32(), b.nextU32());
  });
});
