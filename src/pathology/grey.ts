/** Rec. 601 luma, 0.299 R + 0.587 G + 0.114 B in [0, 255]: the weights of cv2 RGB2GRAY and PIL "L". */
export function toGrey(rgb: Uint8Array, pixels: number): Float32Array {
  const grey = new Float32Array(pixels);
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    grey[i] = 0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]!;
  }
  return grey;
}
