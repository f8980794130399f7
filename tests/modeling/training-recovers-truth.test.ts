import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCohortInMemory } from '../../src/cohort/generate.ts';
import { SURVIVAL_MODEL } from '../../src/cohort/outcome-model.ts';
import { prognosisGraph } from '../../src/modeling/families/prognosis.ts';
import { concordanceIndex } from '../../src/modeling/metrics.ts';
import { tensor } from '../../src/modeling/tensor.ts';
import { trainPrognosis } from '../../src/modeling/train.ts';
import { coxFit } from '../helpers/stats.ts';

/**
 * On generated patients, the engine's linear Cox model recovers the coefficients the generator
 * planted, and agrees with an independent Newton–Raphson fit of the same likelihood.
 */

const NAMES = Object.keys(SURVIVAL_MODEL.coefficients) as (keyof typeof SURVIVAL_MODEL.coefficients)[];

describe('linear Cox trained by the engine', () => {
  it('recovers the planted coefficients and matches Newton-Raphson', (t) => {
    const sites = generateCohortInMemory({ sites: 4, patientsPerSite: 600, seed: 21 });
    const patients = sites.flatMap((s) => s.patients);
    const x = tensor([patients.length, NAMES.length], patients.flatMap((p) => NAMES.map((n) => p.course.covariates[n])));
    const time = patients.map((p) => p.course.observedDays);
    const event = patients.map((p) => (p.course.died ? 1 : 0));
    const graph = prognosisGraph({ features: NAMES.length, seed: 1, grid: [365, 730, 1825] });
    const trained = trainPrognosis(graph, x, { time, event }, [365, 730, 1825], { epochs: 400, learningRate: 0.05, seed: 1 });
    const beta = Array.from(trained.parameters['risk.weight']!.data);
    const reference = coxFit(patients.map((p, i) => ({ time: time[i]!, event: event[i] === 1, x: NAMES.map((n) => p.course.covariates[n]) })));
    t.diagnostic(`${patients.length} patients, ${event.filter(Boolean).length} deaths`);
    NAMES.forEach((name, k) => {
      t.diagnostic(`${name}: engine ${beta[k]!.toFixed(4)}, Newton ${reference.beta[k]!.toFixed(4)} ± ${reference.se[k]!.toFixed(3)}, planted ${SURVIVAL_MODEL.coefficients[name]}`);
      // the same likelihood optimised two ways
      assert.ok(Math.abs(beta[k]! - reference.beta[k]!) < 2e-3, `${name}: engine ${beta[k]}, Newton ${reference.beta[k]}`);
      // and the planted truth within four standard errors
      assert.ok(Math.abs(beta[k]! - SURVIVAL_MODEL.coefficients[name]) < 4 * reference.se[k]!, `${name}: ${beta[k]} vs planted ${SURVIVAL_MODEL.coefficients[name]}`);
    });
    // the losses fall, and the fitted risk ranks patients better than chance
    assert.ok(trained.losses.at(-1)! < trained.losses[0]!);
    const risk = patients.map((p) => NAMES.reduce((a, n, k) => a + beta[k]! * p.course.covariates[n], 0));
    assert.ok(concordanceIndex(risk, time, event) > 0.65);
    // Breslow baseline: a non-decreasing cumulative hazard
    const h0 = Array.from(trained.baseline.data);
    assert.ok(h0[0]! > 0 && h0[0]! <= h0[1]! && h0[1]! <= h0[2]!);
  });
});
