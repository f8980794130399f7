/**
 * FLamby's `DataLoaderWithMemory` over a `DataLoader(shuffle=True, drop_last=False)`: batches are
 * drawn endlessly; each pass over the data is a fresh permutation cut into ⌈n/b⌉ batches, the last
 * one short when b does not divide n; and the position carries over from one round to the next.
 * Here the permutation of pass p comes from its own fork of the site's stream, so a loader can be
 * rebuilt at any position (a site that restarts mid-federation resumes the same sequence).
 * @see https://github.com/owkin/FLamby/blob/main/flamby/strategies/utils.py
 */
import { badInput } from '../../errors/domain-error.ts';
import type { Rng } from '../../random/rng.ts';

/** An endless mini-batch sampler over `size` rows. */
export class CyclingLoader {
  readonly batchesPerPass: number;
  private pass = -1;
  private order: number[] = [];
  private step: number;

  /**
   * @param rng the site's loader stream; pass p shuffles with `rng.fork('pass-p')`
   * @param position batches already drawn (FLamby's `num_batches_seen`)
   */
  constructor(
    readonly size: number,
    readonly batchSize: number,
    private readonly rng: Rng,
    position = 0,
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw badInput(`a loader needs at least one row, got ${size}`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw badInput(`batch size must be a whole number ≥ 1, got ${batchSize}`);
    if (!Number.isSafeInteger(position) || position < 0) throw badInput(`loader position must be a whole number ≥ 0, got ${position}`);
    this.batchesPerPass = Math.ceil(size / batchSize);
    this.step = position;
  }

  /** Batches drawn so far. */
  get position(): number {
    return this.step;
  }

  /** The row indices of the next batch. */
  next(): number[] {
    const pass = Math.floor(this.step / this.batchesPerPass);
    if (pass !== this.pass) {
      this.pass = pass;
      this.order = permutation(this.size, this.rng.fork(`pass-${pass}`));
    }
    const start = (this.step % this.batchesPerPass) * this.batchSize;
    this.step++;
    return this.order.slice(start, start + this.batchSize);
  }
}

/** A uniform permutation of 0..n−1 (Fisher–Yates, Durstenfeld's form). */
export function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
