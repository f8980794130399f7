import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareMetrics } from '../../../src/federation/rollout/compare-metrics.ts';
import type { LabelledSet } from '../../../src/federation/site-data/labelled-set.ts';

const tags = (sex: string) => ({ population: 'A', sex, ageBand: '<50' });

// four lines of therapy: a responder and a non-responder in each sex
const response: LabelledSet = {
  task: 'response',
  featureSchema: 'response-features@1',
  examples: [
    { features: [], label: 1, subgroups: tags('female'), unit: 0 },
    { features: [], label: 0, subgroups: tags('female'), unit: 1 },
    { features: [], label: 1, subgroups: tags('male'), unit: 2 },
    { features: [], label: 0, subgroups: tags('male'), unit: 3 },
  ],
};
const current = Float32Array.from([0.9, 0.1, 0.8, 0.2]); // ranks and classifies all four right
const candidate = Float32Array.from([0.9, 0.1, 0.2, 0.8]); // swaps the two men

describe('the acceptance rule (values by hand)', () => {
  it('names each gating subgroup and metric that fell by more than the tolerance', () => {
    const { rows, failures } = compareMetrics({ set: response, current, candidate, tolerance: 0.3, attributes: ['sex'], minSize: 2 });
    const row = (subgroup: string, metric: string) => rows.find((r) => r.subgroup === subgroup && r.metric === metric)!;
    // overall AUC: of the 4 positive-negative pairs only (0.2 vs 0.8) is misordered: 3/4
    assert.deepEqual([row('overall', 'auc').current, row('overall', 'auc').candidate, row('overall', 'auc').change], [1, 0.75, -0.25]);
    // overall accuracy at 0.5: both men misclassified, 2/4
    assert.equal(row('overall', 'accuracy').candidate, 0.5);
    assert.deepEqual([row('sex female', 'auc').change, row('sex male', 'auc').candidate, row('sex male', 'auc').size, row('sex male', 'auc').events], [0, 0, 2, 1]);
    assert.deepEqual(failures.map((f) => `${f.subgroup} ${f.metric}`), ['overall accuracy', 'sex male auc', 'sex male accuracy']);
  });

  it('reports but does not gate on subgroups below the minimum size; the overall row always gates', () => {
    const { rows, failures } = compareMetrics({ set: response, current, candidate, tolerance: 0.3, attributes: ['sex'], minSize: 3 });
    assert.deepEqual(failures.map((f) => `${f.subgroup} ${f.metric}`), ['overall accuracy']);
    const male = rows.find((r) => r.subgroup === 'sex male' && r.metric === 'auc')!;
    assert.equal(male.gating, false);
    assert.match(male.note ?? '', /fewer than 3 held-out examples/);
    assert.equal(male.change, -1);
  });

  it('C-index by hand; an undefined metric (no events in a subgroup) and a missing current version never gate', () => {
    const survival: LabelledSet = {
      task: 'prognosis',
      featureSchema: 'tcga-brca-clinical@1',
      examples: [
        { features: [], time: 1, event: 1, subgroups: tags('female'), unit: 0 },
        { features: [], time: 2, event: 1, subgroups: tags('female'), unit: 1 },
        { features: [], time: 3, event: 0, subgroups: tags('female'), unit: 2 },
        { features: [], time: 4, event: 0, subgroups: tags('male'), unit: 3 },
      ],
    };
    // comparable pairs: (t1 vs t2, t3, t4), (t2 vs t3, t4): 5; the current risks order all of them, the candidate none
    const { rows, failures } = compareMetrics({ set: survival, current: Float32Array.from([4, 3, 2, 1]), candidate: Float32Array.from([1, 2, 3, 4]), tolerance: 0.1, attributes: ['sex'], minSize: 1 });
    assert.deepEqual(rows.map((r) => [r.subgroup, r.current, r.candidate, r.events, r.gating]), [
      ['overall', 1, 0, 2, true],
      ['sex female', 1, 0, 2, true],
      ['sex male', null, null, 0, false],
    ]);
    assert.deepEqual(failures.map((f) => f.subgroup), ['overall', 'sex female']);
    const first = compareMetrics({ set: survival, candidate: Float32Array.from([1, 2, 3, 4]), tolerance: 0.1 });
    assert.deepEqual(first.failures, []);
    assert.match(first.rows[0]!.note ?? '', /no version in service/);
  });
});
