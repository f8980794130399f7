/**
 * Yen's threshold (Yen, Chang & Chang, "A new criterion for automatic multilevel thresholding", IEEE
 * Trans. Image Process. 1995), as skimage.filters.threshold_yen computes it on an integer image: the
 * histogram runs from the lowest to the highest occupied level, and the level that maximises
 * ln[(P1·(1 − P1))² / (ΣP1² · ΣP2²)] is returned. histolab masks pixels strictly below it.
 */
export function yenThreshold(histogram: ArrayLike<number>): number {
  let lo = 0;
  while (lo < histogram.length && histogram[lo] === 0) lo++;
  if (lo === histogram.length) throw new RangeError('Yen threshold of an empty histogram');
  let hi = histogram.length - 1;
  while (histogram[hi] === 0) hi--;
  if (lo === hi) return lo;
  let total = 0;
  for (let v = lo; v <= hi; v++) total += histogram[v]!;
  // Squared masses from the top, so that ΣP2² at each split is one lookup.
  const tailSq = new Float64Array(hi - lo + 2);
  for (let v = hi; v >= lo; v--) {
    const p = histogram[v]! / total;
    tailSq[v - lo] = tailSq[v - lo + 1]! + p * p;
  }
  let p1 = 0;
  let p1Sq = 0;
  let best = -Infinity;
  let level = lo;
  for (let v = lo; v < hi; v++) {
    const p = histogram[v]! / total;
    p1 += p;
    p1Sq += p * p;
    const crit = Math.log((1 / (p1Sq * tailSq[v - lo + 1]!)) * (p1 * (1 - p1)) ** 2);
    if (crit > best) {
      best = crit;
      level = v;
    }
  }
  return level;
}
