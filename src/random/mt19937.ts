/**
 * The Mersenne Twister (Matsumoto & Nishimura 1998, https://doi.org/10.1145/272991.272995) and the
 * parts of numpy's legacy `RandomState` that scikit-learn's splitters call. Other code uses the faster
 * `Rng` in `rng.ts`; this one exists to reproduce, draw for draw, splits that Python made with
 * `random_state=<int>` (FLamby's Fed-Heart-Disease uses `random_state=43`).
 *
 * Sources (numpy main, which keeps the legacy stream frozen, NEP 19):
 * `numpy/random/src/mt19937/mt19937.c` (`mt19937_seed`, `mt19937_gen`), `mt19937.h` (tempering,
 * `mt19937_next_double`), `numpy/random/_mt19937.pyx` (`_legacy_seeding`),
 * `numpy/random/src/distributions/distributions.c` (`random_interval`, `random_bounded_uint64`),
 * `numpy/random/mtrand.pyx` (`shuffle`, `_shuffle_raw`, `permutation`, `choice`, `randint`).
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

/** MT19937 with 32-bit outputs, seeded by `init_genrand` (numpy's `mt19937_seed` is the same recurrence). */
export class MT19937 {
  private readonly key = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > UINT32_MAX) throw new RangeError('MT19937 seed must be an integer in [0, 2**32 - 1]');
    this.key[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = this.key[i - 1]!;
      // Math.imul keeps the product mod 2**32, as the C code's `& 0xffffffff` does
      this.key[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
  }

  /** The next tempered 32-bit output. */
  nextU32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from two outputs (27 + 26 bits), as numpy's `random_sample`. */
  nextDouble(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private generate(): void {
    const k = this.key;
    for (let i = 0; i < N; i++) {
      const y = (k[i]! & UPPER_MASK) | (k[(i + 1) % N]! & LOWER_MASK);
      k[i] = k[(i + M) % N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.pos = 0;
  }
}

/** The smallest all-ones bit mask covering `max` (numpy's `gen_mask`). */
function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

/** numpy's legacy `np.random.RandomState(seed)` for an integer seed, limited to 32-bit ranges. */
export class RandomState {
  private readonly mt: MT19937;

  constructor(readonly seed: number) {
    // _legacy_seeding sends an int seed to mt19937_seed, not init_by_array
    this.mt = new MT19937(seed);
  }

  /** A raw 32-bit output. */
  nextU32(): number {
    return this.mt.nextU32();
  }

  /** `random_sample()`: a double in [0, 1). */
  randomSample(): number {
    return this.mt.nextDouble();
  }

  /**
   * An integer in [0, max] by bit-mask rejection (`random_interval`), the draw behind `shuffle`.
   * numpy switches to 64-bit draws above 2**32 - 1; no split here needs that.
   */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > UINT32_MAX) throw new RangeError('randomInterval needs an integer max in [0, 2**32 - 1]');
    if (max === 0) return 0;
    const mask = maskFor(max);
    let value: number;
    do value = (this.mt.nextU32() & mask) >>> 0;
    while (value > max);
    return value;
  }

  /** `randint(low, high)` for the default integer dtype: [low, high), masked rejection (`random_bounded_uint64`). */
  randint(low: number, high: number): number {
    const range = high - low - 1;
    if (!Number.isInteger(low) || !Number.isInteger(high) || range < 0) throw new RangeError('randint needs integers with low < high');
    if (range > UINT32_MAX) throw new RangeError('randint: ranges past 2**32 take 64-bit draws, which are not implemented');
    if (range === UINT32_MAX) return low + this.mt.nextU32();
    return low + this.randomInterval(range);
  }

  /** `shuffle(x)` in place: Fisher–Yates from the last element down, j = random_interval(i). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
  }

  /** `permutation(n)`: a shuffled `arange(n)`. */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError('permutation needs a non-negative integer');
    const out = Array.from({ length: n }, (_, i) => i);
    this.shuffle(out);
    return out;
  }

  /** `permutation(array)`: a shuffled copy. */
  permuted<T>(items: readonly T[]): T[] {
    const out = items.slice();
    this.shuffle(out);
    return out;
  }

  /** `choice(items, size, replace=False)` without weights: the first `size` of `permutation(len(items))`. */
  choiceWithoutReplacement<T>(items: readonly T[], size: number): T[] {
    if (!Number.isInteger(size) || size < 0 || size > items.length) throw new RangeError('cannot take a larger sample than the population without replacement');
    return this.permutation(items.length)
      .slice(0, size)
      .map((i) => items[i]!);
  }
}
