import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError } from '../../../src/errors/domain-error.ts';
import { CyclingLoader } from '../../../src/federation/local-training/cycling-loader.ts';
import { Rng } from '../../../src/random/rng.ts';

describe('CyclingLoader (FLamby DataLoaderWithMemory over shuffle=True, drop_last=False)', () => {
  it('cuts each pass into ⌈n/b⌉ batches, the last one short, covering every row once', () => {
    // 10 rows, batch 4: batches of 4, 4, 2 per pass, as torch's DataLoader with drop_last=False
    const loader = new CyclingLoader(10, 4, new Rng(1, 'loader'));
    assert.equal(loader.batchesPerPass, 3);
    for (let pass = 0; pass < 3; pass++) {
      const batches = [loader.next(), loader.next(), loader.next()];
      assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
      assert.deepEqual(batches.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    assert.equal(loader.position, 9);
  });

  it('reshuffles every pass', () => {
    const loader = new CyclingLoader(20, 20, new Rng(3, 'loader'));
    const first = loader.next();
    const second = loader.next();
    assert.notDeepEqual(first, second);
    assert.deepEqual([...second].sort((a, b) => a - b), [...first].sort((a, b) => a - b));
  });

  it('resumes at a position exactly where a continuous run would be (its place survives between rounds)', () => {
    const continuous = new CyclingLoader(13, 3, new Rng(7, 'site'));
    const all = Array.from({ length: 25 }, () => continuous.next());
    const resumed = new CyclingLoader(13, 3, new Rng(7, 'site'), 11);
    assert.deepEqual(Array.from({ length: 14 }, () => resumed.next()), all.slice(11));
  });

  it('refuses an empty dataset and a zero batch', () => {
    assert.throws(() => new CyclingLoader(0, 4, new Rng(1)), isDomainError);
    assert.throws(() => new CyclingLoader(5, 0, new Rng(1)), isDomainError);
  });
});
