import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EquityTags } from '../../src/equity/site-patients.ts';
import { subgroupMetrics, type ScoredExample } from '../../src/equity/subgroup-metrics.ts';

const tags = (sex: string, population: string, ageBand: string, cancerType: string): EquityTags => ({ sex, population, ageBand, cancerType });

/**
 * Eight patients, one response example each. AUC by hand, as the share of (responder, non-responder)
 * pairs the responder scores higher:
 *   female  pos .9 .7 / neg .8 .2 → .9>.8 .9>.2 .7>.2 = 3/4 = 0.75
 *   male    pos .6 .3 / neg .4 .5 → .6>.4 .6>.5         = 2/4 = 0.5
 *   overall pos .9 .7 .6 .3 / neg .8 .2 .4 .5 → 4 + 3 + 3 + 1 = 11/16 = 0.6875
 *   pop A   pos .9 .6 / neg .8 .4 → 3/4; pop B pos .7 .3 / neg .2 .5 → 3/4
 *   50-64   pos .9 .7 .6 .3 / neg .4 .5 → 2 + 2 + 2 + 0 = 6/8 = 0.75; 65+ has no responder: undefined
 *   lung    pos .7 .6 .3 / neg .8 .2 .4 .5 → 3 + 3 + 1 = 7/12; breast is one patient: small
 */
const response: ScoredExample[] = [
  { patient: 0, score: 0.9, label: 1, tags: tags('female', 'A', '50-64', 'breast') },
  { patient: 1, score: 0.8, label: 0, tags: tags('female', 'A', '65+', 'lung') },
  { patient: 2, score: 0.7, label: 1, tags: tags('female', 'B', '50-64', 'lung') },
  { patient: 3, score: 0.2, label: 0, tags: tags('female', 'B', '65+', 'lung') },
  { patient: 4, score: 0.6, label: 1, tags: tags('male', 'A', '50-64', 'lung') },
  { patient: 5, score: 0.4, label: 0, tags: tags('male', 'A', '50-64', 'lung') },
  { patient: 6, score: 0.3, label: 1, tags: tags('male', 'B', '50-64', 'lung') },
  { patient: 7, score: 0.5, label: 0, tags: tags('male', 'B', '50-64', 'lung') },
];

describe('metrics per subgroup, against hand-computed values', () => {
  const m = subgroupMetrics('auc', response, 2);
  const byGroup = (attribute: string) => Object.fromEntries(m.attributes.find((a) => a.attribute === attribute)!.groups.map((g) => [g.group, g.value]));

  it('AUC overall and per group of each attribute', () => {
    assert.equal(m.metric, 'auc');
    assert.equal(m.overall.value, 0.6875);
    assert.deepEqual(byGroup('sex'), { female: 0.75, male: 0.5 });
    assert.deepEqual(byGroup('population'), { A: 0.75, B: 0.75 });
    assert.deepEqual(byGroup('ageBand'), { '50-64': 0.75, '65+': null });
    assert.deepEqual(byGroup('cancerType'), { breast: null, lung: 7 / 12 });
  });

  it('flags small groups and suppresses their metric; suppresses a metric the group cannot define', () => {
    const breast = m.attributes.find((a) => a.attribute === 'cancerType')!.groups[0]!;
    assert.deepEqual(breast, { attribute: 'cancerType', group: 'breast', patients: 1, examples: 1, events: 1, value: null, small: true, suppressed: 'small group' });
    const old = m.attributes.find((a) => a.attribute === 'ageBand')!.groups[1]!;
    assert.deepEqual(old, { attribute: 'ageBand', group: '65+', patients: 2, examples: 2, events: 0, value: null, small: false, suppressed: 'undefined for this group' });
  });

  it('the gap within each attribute is best minus worst; the worst group overall is male, 0.1875 below overall', () => {
    const sex = m.attributes.find((a) => a.attribute === 'sex')!;
    assert.deepEqual([sex.best, sex.worst, sex.gap], [{ group: 'female', value: 0.75 }, { group: 'male', value: 0.5 }, 0.25]);
    assert.equal(m.attributes.find((a) => a.attribute === 'population')!.gap, 0);
    assert.equal(m.attributes.find((a) => a.attribute === 'ageBand')!.gap, undefined); // one group shown: nothing to compare
    assert.deepEqual(m.worstGroup, { attribute: 'sex', group: 'male', value: 0.5, gapToOverall: 0.1875 });
  });

  it('sizes count patients, not examples: two lines of one patient are one patient', () => {
    const twice: ScoredExample[] = [
      { patient: 0, score: 0.9, label: 1, tags: tags('female', 'A', '50-64', 'lung') },
      { patient: 0, score: 0.1, label: 0, tags: tags('female', 'A', '50-64', 'lung') },
    ];
    const r = subgroupMetrics('auc', twice, 2);
    assert.deepEqual([r.overall.patients, r.overall.examples, r.overall.small, r.overall.value], [1, 2, true, null]);
    assert.equal(r.worstGroup, undefined);
  });

  it("Harrell's C-index for prognosis: 4 of 5 comparable pairs concordant overall", () => {
    // comparable pairs (the earlier time is a death): p0 with p1, p2, p3 (all concordant: .9 is the highest risk),
    // p1 with p2 (.5 < .7, discordant) and p3 (.5 > .1, concordant) → 4/5. Among women only p0-p1: 1/1.
    // Among men p2 is censored and p3 dies last: no comparable pair, so the C-index is undefined.
    const prognosis: ScoredExample[] = [
      { patient: 0, score: 0.9, time: 100, event: 1, tags: tags('female', 'A', '<50', 'breast') },
      { patient: 1, score: 0.5, time: 200, event: 1, tags: tags('female', 'A', '<50', 'breast') },
      { patient: 2, score: 0.7, time: 300, event: 0, tags: tags('male', 'A', '<50', 'breast') },
      { patient: 3, score: 0.1, time: 400, event: 1, tags: tags('male', 'A', '<50', 'breast') },
    ];
    const r = subgroupMetrics('cIndex', prognosis, 2);
    assert.equal(r.overall.value, 0.8);
    assert.equal(r.overall.events, 3);
    const sex = r.attributes.find((a) => a.attribute === 'sex')!;
    assert.deepEqual(sex.groups.map((g) => [g.group, g.value, g.suppressed]), [['female', 1, undefined], ['male', null, 'undefined for this group']]);
    assert.equal(r.worstGroup, undefined); // no attribute shows two groups
  });
});
