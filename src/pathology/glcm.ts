/**
 * Grey-level co-occurrence statistics (Haralick, Shanmugam & Dinstein, "Textural features for image
 * classification", IEEE SMC 1973). Grey levels are quantised to `levels` bins; pairs one pixel apart at
 * 0°, 45°, 90° and 135° are pooled in both directions (a symmetric matrix, so the statistics do not
 * depend on orientation), and only pairs whose two pixels are both in the mask count. Definitions
 * follow skimage.feature.graycoprops (energy = √ASM, homogeneity = Σ p/(1 + (i − j)²)); entropy is in
 * bits. With no pair in the mask every statistic is 0.
 */

export interface GlcmStatistics {
  contrast: number;
  homogeneity: number;
  energy: number;
  correlation: number;
  entropy: number;
}

/** Co-occurrence statistics of a grey image (values in [0, 256)) over masked pixel pairs. */
export function glcmStatistics(
  grey: Float32Array,
  width: number,
  height: number,
  mask: Uint8Array,
  value = 1,
  levels = 16,
): GlcmStatistics {
  const n = width * height;
  const q = new Uint8Array(n);
  const scale = levels / 256;
  for (let i = 0; i < n; i++) {
    const level = (grey[i]! * scale) | 0;
    q[i] = level < levels ? level : levels - 1;
  }
  // Count each pair once in one direction; adding the transpose below makes the matrix symmetric.
  const once = new Float64Array(levels * levels);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const last = y + 1 === height;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (mask[i] !== value) continue;
      const base = q[i]! * levels;
      if (x + 1 < width && mask[i + 1] === value) once[base + q[i + 1]!]!++;
      if (last) continue;
      const down = i + width;
      if (mask[down] === value) once[base + q[down]!]!++;
      if (x + 1 < width && mask[down + 1] === value) once[base + q[down + 1]!]!++;
      if (x > 0 && mask[down - 1] === value) once[base + q[down - 1]!]!++;
    }
  }
  const counts = new Float64Array(levels * levels);
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) counts[i * levels + j] = once[i * levels + j]! + once[j * levels + i]!;
  }
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  if (total === 0) return { contrast: 0, homogeneity: 0, energy: 0, correlation: 0, entropy: 0 };

  let mean = 0;
  for (let i = 0; i < levels; i++) for (let j = 0; j < levels; j++) mean += (i * counts[i * levels + j]!) / total;
  let contrast = 0;
  let homogeneity = 0;
  let asm = 0;
  let variance = 0;
  let covariance = 0;
  let entropy = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      const p = counts[i * levels + j]! / total;
      if (p === 0) continue;
      const d = i - j;
      contrast += p * d * d;
      homogeneity += p / (1 + d * d);
      asm += p * p;
      variance += p * (i - mean) ** 2;
      covariance += p * (i - mean) * (j - mean);
      entropy -= p * Math.log2(p);
    }
  }
  // skimage reports correlation 1 for a constant image, where it is 0/0.
  const correlation = variance > 1e-15 ? covariance / variance : 1;
  return { contrast, homogeneity, energy: Math.sqrt(asm), correlation, entropy };
}
