/**
 * Percentiles with numpy's default method ('linear', type 7 of Hyndman & Fan 1996): the value at
 * virtual index (n − 1)·q/100, interpolated the way numpy's `_lerp` does it, so results match
 * `np.percentile` to the last bit on the same values.
 */

/** numpy `_lerp`: interpolates from whichever end is nearer, as numpy does. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function virtualIndex(n: number, q: number): { below: number; above: number; gamma: number } {
  if (n === 0) throw new RangeError('percentile of an empty array');
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return { below: n - 1, above: n - 1, gamma: 0 };
  if (virtual < 0) return { below: 0, above: 0, gamma: 0 };
  const below = Math.floor(virtual);
  return { below, above: below + 1, gamma: virtual - below };
}

/** `np.percentile(sorted, q)` for an ascending array. */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const { below, above, gamma } = virtualIndex(sorted.length, q);
  return lerp(sorted[below]!, sorted[above]!, gamma);
}

/** Puts the k-th smallest value at index k, smaller ones before it and larger ones after (Hoare's FIND). */
function select(a: Float64Array, k: number, from = 0, to = a.length - 1): void {
  let lo = from;
  let hi = to;
  while (hi > lo) {
    // Median of three keeps sorted and constant runs, which tiles are full of, from going quadratic.
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * `np.percentile(values, q)` in linear time by selecting the two neighbouring order statistics
 * instead of sorting. Reorders `values`.
 */
export function percentileInPlace(values: Float64Array, q: number): number {
  const { below, above, gamma } = virtualIndex(values.length, q);
  select(values, below);
  const low = values[below]!;
  if (above === below) return low;
  // After selection everything past `below` is ≥ it, so the next order statistic is their minimum.
  let high = Infinity;
  for (let i = below + 1; i < values.length; i++) if (values[i]! < high) high = values[i]!;
  return lerp(low, high, gamma);
}
