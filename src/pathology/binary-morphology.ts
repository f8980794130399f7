/**
 * Binary morphology on row-major masks (1 = set), in the forms histolab's tile tissue mask uses:
 * scipy.ndimage.binary_dilation with skimage's disk(2), and binary_fill_holes with a square
 * structuring element.
 */

/** Dilation by skimage.morphology.disk(2) (the 13 offsets with dx² + dy² ≤ 4); outside the image counts as 0. */
export function dilateDisk2(mask: Uint8Array, width: number, height: number): Uint8Array {
  // disk(2) is a row of 5 at dy = 0, rows of 3 at dy = ±1 and single pixels at dy = ±2, so two
  // horizontal dilations (radius 2 and 1) combine row by row.
  const wide = horizontalDilate(mask, width, height, 2);
  const narrow = horizontalDilate(mask, width, height, 1);
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      let v = wide[i]!;
      if (y > 0) v |= narrow[i - width]!;
      if (y < height - 1) v |= narrow[i + width]!;
      if (y > 1) v |= mask[i - 2 * width]!;
      if (y < height - 2) v |= mask[i + 2 * width]!;
      out[i] = v;
    }
  }
  return out;
}

function horizontalDilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let lastSet = -Infinity;
    // Forward pass covers set pixels to the left, the backward pass those to the right.
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) lastSet = x;
      if (x - lastSet <= radius) out[row + x] = 1;
    }
    lastSet = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[row + x]) lastSet = x;
      if (lastSet - x <= radius) out[row + x] = 1;
    }
  }
  return out;
}

/**
 * scipy.ndimage.binary_fill_holes with a `reach`×`reach` square of ones (`reach` even): the outside
 * floods the background in hops of up to reach/2 pixels on each axis, and what it cannot reach is
 * filled. A big structuring element therefore hops over thin walls: only holes enclosed by tissue at
 * least reach/2 thick are filled. scipy's even-sized window runs from −reach/2 to reach/2 − 1; the
 * hop here is symmetric, which can only matter where one hop of exactly reach/2 pixels decides.
 */
export function fillHoles(mask: Uint8Array, width: number, height: number, reach: number): Uint8Array {
  // Two background pixels at most reach/2 apart per axis are linked. Boxes of side reach/2 hung
  // below-right of every background pixel touch exactly when their pixels are linked, so the
  // 8-connected components of the union of boxes are the linked groups. They are labelled run by run
  // (a row's runs join the runs of the row above that they overlap or touch diagonally).
  const hop = reach >> 1;
  const boxes = boxCover(mask, width, height, hop);
  const runStart: number[] = [];
  const runEnd: number[] = [];
  const runRow: number[] = [];
  const parent: number[] = [];
  const find = (i: number): number => {
    while (parent[i] !== i) {
      const grand = parent[parent[i]!]!;
      parent[i] = grand;
      i = grand;
    }
    return i;
  };
  let previousFrom = 0;
  for (let y = 0; y < height; y++) {
    const rowFrom = runStart.length;
    const row = y * width;
    let above = previousFrom;
    for (let x = 0; x < width; ) {
      if (!boxes[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && boxes[row + x]) x++;
      const id = runStart.length;
      runStart.push(start);
      runEnd.push(x - 1);
      runRow.push(y);
      parent.push(id);
      // runs of the row above end in order, so the scan of them resumes where the last run left it
      while (above < rowFrom && runEnd[above]! < start - 1) above++;
      for (let k = above; k < rowFrom && runStart[k]! <= x; k++) {
        const a = find(k);
        const b = find(id);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    previousFrom = rowFrom;
  }
  // Background within hop of the edge is reached from outside the image in one step.
  const open = new Uint8Array(runStart.length);
  for (let k = 0; k < runStart.length; k++) {
    const y = runRow[k]!;
    const row = y * width;
    const nearEdgeRow = y < hop || y >= height - hop;
    for (let x = runStart[k]!; x <= runEnd[k]!; x++) {
      if (!nearEdgeRow && x >= hop && x < width - hop) {
        x = width - hop - 1; // skip the middle of the row
        continue;
      }
      if (!mask[row + x]) {
        open[find(k)] = 1;
        break;
      }
    }
  }
  const out = Uint8Array.from(mask);
  for (let k = 0; k < runStart.length; k++) {
    if (open[find(k)]) continue;
    const row = runRow[k]! * width;
    for (let x = runStart[k]!; x <= runEnd[k]!; x++) out[row + x] = 1;
  }
  return out;
}

/** Pixels covered by a side-`side` box whose top-left corner is a background (0) pixel of `mask`. */
function boxCover(mask: Uint8Array, width: number, height: number, side: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    let last = -Infinity;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (!mask[i]) last = x;
      if (x - last < side) across[i] = 1;
    }
  }
  // down the columns, all columns at once so that memory is read in order
  const out = new Uint8Array(mask.length);
  const lastRow = new Int32Array(width).fill(-side);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (across[i]) lastRow[x] = y;
      if (y - lastRow[x]! < side) out[i] = 1;
    }
  }
  return out;
}
