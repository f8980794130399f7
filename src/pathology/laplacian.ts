/**
 * Variance of the Laplacian, the focus measure of Pech-Pacheco et al. (ICPR 2000, "Diatom autofocusing
 * in brightfield microscopy"): defocus removes high frequencies, so the 4-neighbour Laplacian of a
 * blurred tile is nearly flat. Only interior pixels whose mask equals `value` count, so a tile that is
 * half glass is not called blurred for its empty half.
 */
export function laplacianVariance(
  grey: Float32Array,
  width: number,
  height: number,
  mask?: Uint8Array,
  value = 1,
): { variance: number; count: number } {
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      if (mask && mask[i] !== value) continue;
      const lap = grey[i - width]! + grey[i + width]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      sum += lap;
      sumSq += lap * lap;
      count++;
    }
  }
  if (count === 0) return { variance: 0, count };
  const mean = sum / count;
  return { variance: Math.max(0, sumSq / count - mean * mean), count };
}
