/** The shape every federated benchmark dataset is served in: per site, a train part and a test part. */

/** Rows of a row-major feature matrix: `x[r * features + c]`. */
export interface FeatureRows {
  rows: number;
  features: number;
  x: Float64Array;
}

/** One site (a hospital, a region) with its fixed train/test split. */
export interface SiteSplit<R extends FeatureRows> {
  /** The site's position in the benchmark's own numbering (FLamby's `center`). */
  index: number;
  name: string;
  train: R;
  test: R;
}

/** Row `r` of a feature matrix as a copy. */
export function rowOf(rows: FeatureRows, r: number): number[] {
  return Array.from(rows.x.subarray(r * rows.features, (r + 1) * rows.features));
}
