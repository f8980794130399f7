/**
 * Otsu's threshold (Otsu, "A threshold selection method from gray-level histograms", IEEE SMC 1979):
 * the split of a histogram that maximises the between-class variance w₀·w₁·(μ₀ − μ₁)².
 * Returns the last bin of the lower class, or −1 when the histogram has fewer than two occupied bins.
 */
export function otsuBin(histogram: ArrayLike<number>): number {
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < histogram.length; i++) {
    total += histogram[i]!;
    weighted += i * histogram[i]!;
  }
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let bestVariance = 0;
  for (let t = 0; t < histogram.length - 1; t++) {
    w0 += histogram[t]!;
    sum0 += t * histogram[t]!;
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const diff = sum0 / w0 - (weighted - sum0) / w1;
    const between = w0 * w1 * diff * diff;
    if (between > bestVariance) {
      bestVariance = between;
      best = t;
    }
  }
  return best;
}
