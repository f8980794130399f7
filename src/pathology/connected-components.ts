/**
 * Sizes of the 8-connected components of the pixels where `mask[i] === value`, by union-find over a
 * single raster scan (each pixel joins its west, north-west, north and north-east neighbours).
 * 8-connectivity keeps a nucleus whose outline touches only diagonally in one piece.
 */
export function componentSizes(mask: Uint8Array, width: number, height: number, value = 1): number[] {
  const parent = new Int32Array(width * height).fill(-1);

  const find = (i: number): number => {
    while (parent[i] !== i) {
      const grand = parent[parent[i]!]!;
      parent[i] = grand; // path halving keeps trees flat without recursion
      i = grand;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  };

  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (mask[i] !== value) continue;
      parent[i] = i;
      if (x > 0 && mask[i - 1] === value) union(i, i - 1);
      if (y > 0) {
        const up = i - width;
        if (x > 0 && mask[up - 1] === value) union(i, up - 1);
        if (mask[up] === value) union(i, up);
        if (x < width - 1 && mask[up + 1] === value) union(i, up + 1);
      }
    }
  }

  const size = new Int32Array(width * height);
  for (let i = 0; i < parent.length; i++) if (parent[i] !== -1) size[find(i)]! += 1;
  const sizes: number[] = [];
  for (let i = 0; i < size.length; i++) if (size[i]! > 0) sizes.push(size[i]!);
  return sizes;
}
