/** Evaluation metrics for the model families, each checked in tests against a hand-computed example. */

/**
 * Area under the ROC curve as the Mann–Whitney probability that a random positive scores above a
 * random negative, ties counting one half. NaN when a class is missing.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // average ranks over ties, then the rank-sum formula
  const ranks = new Float64Array(scores.length);
  for (let k = 0; k < idx.length; ) {
    let end = k;
    while (end < idx.length && scores[idx[end]!] === scores[idx[k]!]) end++;
    const rank = (k + end + 1) / 2; // ranks k+1 .. end averaged
    for (let j = k; j < end; j++) ranks[idx[j]!] = rank;
    k = end;
  }
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i]) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of predictions on the right side of `threshold`. */
export function accuracy(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  let right = 0;
  for (let i = 0; i < probabilities.length; i++) if ((probabilities[i]! >= threshold ? 1 : 0) === (labels[i] ? 1 : 0)) right++;
  return right / probabilities.length;
}

/** Mean squared difference between the predicted probability and the 0/1 outcome (Brier 1950). */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probabilities.length; i++) s += (probabilities[i]! - (labels[i] ? 1 : 0)) ** 2;
  return s / probabilities.length;
}

/**
 * Expected calibration error: predictions binned into `bins` equal-width bins of [0, 1] (the last
 * bin closed), Σ_b (n_b / n)·|mean outcome_b − mean probability_b| (Naeini et al. 2015).
 */
export function expectedCalibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const hits = new Float64Array(bins);
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    conf[b]! += p;
    hits[b]! += labels[i] ? 1 : 0;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += (count[b]! / probabilities.length) * Math.abs(hits[b]! / count[b]! - conf[b]! / count[b]!);
  return ece;
}

/**
 * Harrell's concordance index: over pairs where the earlier time is an observed event, the share in
 * which the earlier one has the higher risk; equal risks count one half, and pairs with equal times
 * are not comparable (Harrell et al. 1982; as lifelines' concordance_index with risk = −prediction).
 */
export function concordanceIndex(risk: ArrayLike<number>, time: ArrayLike<number>, event: ArrayLike<number>): number {
  let concordant = 0;
  let comparable = 0;
  for (let i = 0; i < risk.length; i++) {
    if (!event[i]) continue;
    for (let j = 0; j < risk.length; j++) {
      if (time[i]! < time[j]!) {
        comparable++;
        if (risk[i]! > risk[j]!) concordant++;
        else if (risk[i] === risk[j]) concordant += 0.5;
      }
    }
  }
  return comparable === 0 ? Number.NaN : concordant / comparable;
}

/** Kaplan–Meier survival at `horizon` of a group (product-limit estimator). */
export function kaplanMeier(time: ArrayLike<number>, event: ArrayLike<number>, horizon: number): number {
  const idx = Array.from({ length: time.length }, (_, i) => i).sort((a, b) => time[a]! - time[b]!);
  let atRisk = idx.length;
  let survival = 1;
  for (let k = 0; k < idx.length; ) {
    const t = time[idx[k]!]!;
    if (t > horizon) break;
    let deaths = 0;
    let leaving = 0;
    while (k < idx.length && time[idx[k]!] === t) {
      if (event[idx[k]!]) deaths++;
      leaving++;
      k++;
    }
    if (atRisk > 0) survival *= 1 - deaths / atRisk;
    atRisk -= leaving;
  }
  return survival;
}

export interface CalibrationGroup {
  predicted: number;
  observed: number;
  size: number;
}

/**
 * Calibration of predicted survival at a fixed horizon: patients sorted by predicted S(horizon) and
 * split into `groups` of near-equal size; per group the mean prediction and the Kaplan–Meier estimate.
 * `error` is the size-weighted mean absolute difference.
 */
export function survivalCalibration(
  predictedSurvival: ArrayLike<number>,
  time: ArrayLike<number>,
  event: ArrayLike<number>,
  horizon: number,
  groups = 5,
): { groups: CalibrationGroup[]; error: number } {
  const idx = Array.from({ length: predictedSurvival.length }, (_, i) => i).sort((a, b) => predictedSurvival[a]! - predictedSurvival[b]!);
  const out: CalibrationGroup[] = [];
  let error = 0;
  for (let g = 0; g < groups; g++) {
    const members = idx.slice(Math.floor((g * idx.length) / groups), Math.floor(((g + 1) * idx.length) / groups));
    if (members.length === 0) continue;
    const predicted = members.reduce((a, i) => a + predictedSurvival[i]!, 0) / members.length;
    const observed = kaplanMeier(members.map((i) => time[i]!), members.map((i) => event[i]!), horizon);
    out.push({ predicted, observed, size: members.length });
    error += (members.length / idx.length) * Math.abs(predicted - observed);
  }
  return { groups: out, error };
}
