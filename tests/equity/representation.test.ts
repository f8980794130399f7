import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { representation } from '../../src/equity/representation.ts';
import type { EquityTags } from '../../src/equity/site-patients.ts';

const p = (population: string, sex: string, sequenced: boolean, trialEligible: boolean) => ({
  tags: { population, sex, ageBand: '50-64', cancerType: 'lung' } as EquityTags,
  sequenced,
  trialEligible,
});

/**
 * Ten patients: population X is 6 of 10 (60%), Y 4 of 10 (40%). Sequenced: X 3, Y 1 → 3/4 = 75% and
 * 1/4 = 25%; ratios 0.75 / 0.6 = 1.25 and 0.25 / 0.4 = 0.625. Trial-eligible: X 1, Y 1 → 50% each;
 * ratios 0.5 / 0.6 = 0.8333… and 0.5 / 0.4 = 1.25.
 */
const patients = [
  p('X', 'female', true, true),
  p('X', 'female', true, false),
  p('X', 'male', true, false),
  p('X', 'male', false, false),
  p('X', 'female', false, false),
  p('X', 'male', false, false),
  p('Y', 'female', true, true),
  p('Y', 'female', false, false),
  p('Y', 'male', false, false),
  p('Y', 'male', false, false),
];

describe('representation shares, against hand counts', () => {
  it('counts and shares of each population group among all, sequenced and trial-eligible patients, with ratios', () => {
    const pop = representation(patients, true).find((a) => a.attribute === 'population')!;
    assert.deepEqual(pop.groups, [
      { group: 'X', all: { count: 6, share: 0.6 }, sequenced: { count: 3, share: 0.75 }, sequencedRatio: 1.25, trialEligible: { count: 1, share: 0.5 }, trialEligibleRatio: 0.5 / 0.6 },
      { group: 'Y', all: { count: 4, share: 0.4 }, sequenced: { count: 1, share: 0.25 }, sequencedRatio: 0.625, trialEligible: { count: 1, share: 0.5 }, trialEligibleRatio: 1.25 },
    ]);
  });

  it('shares add up to one within an attribute; sex: 5 women (3 sequenced), 5 men (1 sequenced)', () => {
    const sex = representation(patients, false).find((a) => a.attribute === 'sex')!;
    assert.deepEqual(sex.groups.map((g) => [g.group, g.all.count, g.sequenced.count, g.sequenced.share]), [['female', 5, 3, 0.75], ['male', 5, 1, 0.25]]);
    assert.equal(sex.groups.reduce((s, g) => s + g.all.share!, 0), 1);
    assert.ok(sex.groups.every((g) => g.trialEligible === undefined), 'no trial column without trial eligibility');
  });

  it('lists age bands youngest first and unrecorded values last', () => {
    const ages = ['65+', 'unknown', '<50', '50-64'].map((ageBand) => ({ tags: { population: 'not recorded', sex: 'female', ageBand, cancerType: 'lung' }, sequenced: false, trialEligible: false }));
    const table = representation([...ages, { ...ages[0]!, tags: { ...ages[0]!.tags, population: 'Asian' } }], false);
    assert.deepEqual(table.find((a) => a.attribute === 'ageBand')!.groups.map((g) => g.group), ['<50', '50-64', '65+', 'unknown']);
    assert.deepEqual(table.find((a) => a.attribute === 'population')!.groups.map((g) => g.group), ['Asian', 'not recorded']);
  });

  it('an empty population has no shares and no ratios', () => {
    const none = representation([p('X', 'female', false, false)], true).find((a) => a.attribute === 'population')!;
    assert.deepEqual(none.groups[0], { group: 'X', all: { count: 1, share: 1 }, sequenced: { count: 0, share: null }, sequencedRatio: null, trialEligible: { count: 0, share: null }, trialEligibleRatio: null });
  });
});
