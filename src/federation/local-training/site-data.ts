/**
 * One site's training (or test) rows as the local trainer reads them: a row-major feature matrix
 * and either 0/1 labels or survival times with event flags. Rows never leave the site; only the
 * trainer and the site's own evaluation touch them.
 */
import { badInput } from '../../errors/domain-error.ts';
import { tensor, type Tensor } from '../../modeling/tensor.ts';
import type { FeatureRows } from '../datasets/site-split.ts';
import type { TaskKind } from './federated-model.ts';

/** 0/1 outcomes, one per row. */
export interface BinaryLabels {
  kind: 'binary';
  y: Float64Array;
}

/** Follow-up time (days) and event flag (1 = death observed), one per row. */
export interface SurvivalLabels {
  kind: 'survival';
  time: Float64Array;
  event: Float64Array;
}

/** A site's rows: `x[r * features + c]`, with labels of one kind. */
export interface SiteData extends FeatureRows {
  labels: BinaryLabels | SurvivalLabels;
}

/** Binary rows from a feature matrix and labels (copied, so the source may change afterwards). */
export function binaryData(rows: FeatureRows, y: ArrayLike<number>): SiteData {
  if (y.length !== rows.rows) throw badInput(`${rows.rows} rows but ${y.length} labels`);
  return { rows: rows.rows, features: rows.features, x: Float64Array.from(rows.x), labels: { kind: 'binary', y: Float64Array.from(y) } };
}

/** Survival rows from a feature matrix, times and event flags. */
export function survivalData(rows: FeatureRows, time: ArrayLike<number>, event: ArrayLike<number>): SiteData {
  if (time.length !== rows.rows || event.length !== rows.rows) throw badInput(`${rows.rows} rows but ${time.length} times and ${event.length} events`);
  return { rows: rows.rows, features: rows.features, x: Float64Array.from(rows.x), labels: { kind: 'survival', time: Float64Array.from(time), event: Float64Array.from(event) } };
}

/** The rows at `indices`, in that order (a mini-batch, or a validation part). */
export function selectRows(data: SiteData, indices: readonly number[]): SiteData {
  const f = data.features;
  const x = new Float64Array(indices.length * f);
  indices.forEach((r, i) => x.set(data.x.subarray(r * f, (r + 1) * f), i * f));
  const pick = (a: Float64Array) => Float64Array.from(indices, (r) => a[r]!);
  const labels: SiteData['labels'] =
    data.labels.kind === 'binary' ? { kind: 'binary', y: pick(data.labels.y) } : { kind: 'survival', time: pick(data.labels.time), event: pick(data.labels.event) };
  return { rows: indices.length, features: f, x, labels };
}

/** Several sites' rows stacked in order (FLamby's pooled test set is the concatenation of the centres'). */
export function concatRows(parts: readonly SiteData[]): SiteData {
  const first = parts[0];
  if (!first) throw badInput('nothing to concatenate');
  const f = first.features;
  const kind = first.labels.kind;
  for (const p of parts) if (p.features !== f || p.labels.kind !== kind) throw badInput('sites disagree on features or label kind');
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const x = new Float64Array(rows * f);
  let offset = 0;
  for (const p of parts) {
    x.set(p.x, offset * f);
    offset += p.rows;
  }
  const join = (get: (p: SiteData) => Float64Array) => {
    const out = new Float64Array(rows);
    let o = 0;
    for (const p of parts) {
      out.set(get(p), o);
      o += p.rows;
    }
    return out;
  };
  if (kind === 'binary') return { rows, features: f, x, labels: { kind, y: join((p) => (p.labels as BinaryLabels).y) } };
  return { rows, features: f, x, labels: { kind, time: join((p) => (p.labels as SurvivalLabels).time), event: join((p) => (p.labels as SurvivalLabels).event) } };
}

/** The feature matrix as an engine tensor [rows, features]. */
export function featureTensor(data: FeatureRows): Tensor {
  return tensor([data.rows, data.features], data.x);
}

/** Throws BAD_INPUT when the data cannot train a model of this task and width. */
export function checkData(data: SiteData, task: TaskKind, features: number): void {
  if (data.labels.kind !== task) throw badInput(`a ${task} model cannot train on ${data.labels.kind} labels`);
  if (data.features !== features) throw badInput(`the model takes ${features} features, the data has ${data.features}`);
  if (data.rows < 1) throw badInput('a site needs at least one training row');
}
