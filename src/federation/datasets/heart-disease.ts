/**
 * FLamby's Fed-Heart-Disease (https://github.com/owkin/FLamby, `flamby/datasets/fed_heart_disease/dataset.py`
 * @ edacf54): the four UCI Heart Disease centres, prepared exactly as `HeartDiseaseRaw.__init__` does it.
 * Per centre: drop columns 10-12 (slope, ca, thal), drop rows with a missing value, split with
 * `train_test_split(arange(n), test_size=1 - 0.66, train_size=0.66, random_state=43, shuffle=True,
 * stratify=labels if both classes have more than 2 rows)`. Then, over the pooled rows, one-hot `cp` and
 * `restecg` with `drop_first=True`; label `num > 0`; z-score each centre with its train mean and sample std,
 * `(x - mean) / (std + 1e-9)`. Data: UCI ML Repository (Janosi, Steinbrunn, Pfisterer, Detrano), CC BY 4.0.
 */
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../training/csv.ts';
import type { FeatureRows, SiteSplit } from './site-split.ts';
import { trainTestSplit } from './sklearn-split.ts';

export const HEART_DIR = new URL('../../../models/training-data/heart-disease/', import.meta.url);

/** FLamby's centre numbering (`centers_number` in dataset.py); the file is `processed.<name>.data`. */
export const HEART_CENTRES = ['cleveland', 'hungarian', 'switzerland', 'va'] as const;

/** The constants of FLamby's preparation. */
export const FLAMBY_HEART = { trainFraction: 0.66, randomState: 43, stdEpsilon: 1e-9, features: 13 } as const;

/** The 14 columns of the UCI `processed.*.data` files (`heart-disease.names`, attributes 3, 4, 9, 10, ... 58). */
export const UCI_HEART_COLUMNS = ['age', 'sex', 'cp', 'trestbps', 'chol', 'fbs', 'restecg', 'thalach', 'exang', 'oldpeak', 'slope', 'ca', 'thal', 'num'] as const;

const DROPPED = new Set([10, 11, 12]);
const LABEL = 13;
const CATEGORICAL = [2, 6];
// pandas read_csv's default NA strings, plus the '?' the UCI files use (FLamby replaces it with NaN)
const MISSING = new Set(['?', '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);

/** One part (train or test) of a centre: 13 features per row, label and source line. */
export interface HeartRows extends FeatureRows {
  /** 1 = heart disease (`num` > 0). */
  y: Float64Array;
  /** The 1-based line of each row in its `processed.*.data` file. */
  sourceLine: Int32Array;
}

/** Per-column mean and sample standard deviation. */
export interface Standardisation {
  mean: Float64Array;
  std: Float64Array;
}

/** A centre with its split, its counts and the statistics it was z-scored with. */
export interface HeartCentre extends SiteSplit<HeartRows> {
  counts: { fileRows: number; completeRows: number; positives: number };
  /** Whether `train_test_split` was stratified by the label (FLamby: both classes with more than 2 rows). */
  stratified: boolean;
  /** This centre's train statistics (what `normalise: 'centre'` applies). */
  standardisation: Standardisation;
}

/** Which statistics z-score the features. */
export interface HeartDiseaseOptions {
  /** 'centre' (FLamby's default), 'pooled' (FLamby's `pooled=True`: all centres' train rows), or 'none'. */
  normalise?: 'centre' | 'pooled' | 'none';
}

/** The four centres in FLamby's order, with the feature names. */
export interface HeartDisease {
  columns: string[];
  centres: HeartCentre[];
  /** Train statistics over all centres (FLamby's `mean_of_features_pooled_train`). */
  pooled: Standardisation;
}

interface CompleteRow {
  values: number[];
  label: number;
  line: number;
}

function readCentre(dir: URL, name: string): { fileRows: number; rows: CompleteRow[] } {
  // pandas skips blank lines, so they never count as rows
  const lines = parseCsv(readFileSync(new URL(`processed.${name}.data`, dir), 'utf8'))
    .map((fields, i) => ({ fields, line: i + 1 }))
    .filter(({ fields }) => !(fields.length === 1 && fields[0]!.trim() === ''));
  const rows: CompleteRow[] = [];
  for (const { fields, line } of lines) {
    if (fields.length !== UCI_HEART_COLUMNS.length) throw new Error(`processed.${name}.data line ${line}: expected ${UCI_HEART_COLUMNS.length} fields, got ${fields.length}`);
    const kept = fields.flatMap((f, c) => (DROPPED.has(c) ? [] : [f]));
    if (kept.some((f) => MISSING.has(f))) continue;
    const numbers = kept.map((f) => {
      const v = Number(f);
      if (!Number.isFinite(v) || f.trim() !== f) throw new Error(`processed.${name}.data line ${line}: '${f}' is not a number`);
      return v;
    });
    rows.push({ values: numbers.slice(0, -1), label: numbers[numbers.length - 1]! === 0 ? 0 : 1, line });
  }
  return { fileRows: lines.length, rows };
}

/** Train mean and sample standard deviation (n - 1, as `torch.std`) of each column. */
export function fitTrainStatistics(rows: readonly (readonly number[])[], width: number): Standardisation {
  const mean = new Float64Array(width);
  const std = new Float64Array(width);
  for (const r of rows) for (let c = 0; c < width; c++) mean[c]! += r[c]!;
  for (let c = 0; c < width; c++) mean[c]! /= rows.length;
  for (const r of rows) for (let c = 0; c < width; c++) std[c]! += (r[c]! - mean[c]!) ** 2;
  for (let c = 0; c < width; c++) std[c] = Math.sqrt(std[c]! / (rows.length - 1));
  return { mean, std };
}

function toRows(rows: readonly number[][], labels: readonly number[], lines: readonly number[], s: Standardisation | undefined): HeartRows {
  const features = FLAMBY_HEART.features;
  const x = new Float64Array(rows.length * features);
  rows.forEach((r, i) => {
    for (let c = 0; c < features; c++) {
      // the epsilon keeps a constant column (Switzerland's chol is all 0) at 0 instead of NaN
      x[i * features + c] = s ? (r[c]! - s.mean[c]!) / (s.std[c]! + FLAMBY_HEART.stdEpsilon) : r[c]!;
    }
  });
  return { rows: rows.length, features, x, y: Float64Array.from(labels), sourceLine: Int32Array.from(lines) };
}

/** Loads the four centres, split and z-scored as FLamby does. */
export function loadHeartDisease(dir: URL = HEART_DIR, options: HeartDiseaseOptions = {}): HeartDisease {
  const read = HEART_CENTRES.map((name) => ({ name, ...readCentre(dir, name) }));
  // pd.get_dummies runs on the pooled frame: levels are those seen in any centre, and drop_first drops the lowest
  const levels = CATEGORICAL.map((c) => [...new Set(read.flatMap((r) => r.rows.map((row) => row.values[c]!)))].sort((a, b) => a - b).slice(1));
  const numeric = UCI_HEART_COLUMNS.slice(0, LABEL).flatMap((_, c) => (DROPPED.has(c) || CATEGORICAL.includes(c) ? [] : [c]));
  const columns = [...numeric.map((c) => UCI_HEART_COLUMNS[c]!), ...CATEGORICAL.flatMap((c, k) => levels[k]!.map((l) => `${UCI_HEART_COLUMNS[c]}_${l}`))];
  if (columns.length !== FLAMBY_HEART.features) throw new Error(`one-hot encoding gave ${columns.length} features, FLamby's model takes ${FLAMBY_HEART.features}`);
  const encode = (v: readonly number[]) => [...numeric.map((c) => v[c]!), ...CATEGORICAL.flatMap((c, k) => levels[k]!.map((l) => (v[c] === l ? 1 : 0)))];

  const split = read.map(({ name, fileRows, rows }, index) => {
    const labels = rows.map((r) => r.label);
    const positives = labels.filter((l) => l === 1).length;
    const stratified = positives > 2 && rows.length - positives > 2;
    const { test } = trainTestSplit(rows.length, {
      testSize: 1 - FLAMBY_HEART.trainFraction,
      trainSize: FLAMBY_HEART.trainFraction,
      randomState: FLAMBY_HEART.randomState,
      ...(stratified ? { stratify: labels } : {}),
    });
    const inTest = new Set(test);
    // FLamby keeps file order and puts every row not drawn for test in train (`if i in indices_test`)
    const part = (isTest: boolean) => rows.filter((_, i) => inTest.has(i) === isTest);
    return { name, index, fileRows, rows, positives, stratified, train: part(false), test: part(true) };
  });

  const width = FLAMBY_HEART.features;
  const pooled = fitTrainStatistics(split.flatMap((s) => s.train.map((r) => encode(r.values))), width);
  const centres = split.map((s): HeartCentre => {
    const standardisation = fitTrainStatistics(s.train.map((r) => encode(r.values)), width);
    const applied = options.normalise === 'none' ? undefined : options.normalise === 'pooled' ? pooled : standardisation;
    const rowsOf = (part: CompleteRow[]) => toRows(part.map((r) => encode(r.values)), part.map((r) => r.label), part.map((r) => r.line), applied);
    return {
      index: s.index,
      name: s.name,
      train: rowsOf(s.train),
      test: rowsOf(s.test),
      counts: { fileRows: s.fileRows, completeRows: s.rows.length, positives: s.positives },
      stratified: s.stratified,
      standardisation,
    };
  });
  return { columns, centres, pooled };
}
