import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSurvival, responseLabel, type LineTimeline } from '../../src/outcomes/survival.ts';

// Day counts below are worked out on a calendar (2024 is a leap year): Jan 1 → Jun 29 2024 is
// 31 + 29 + 31 + 30 + 31 + 28 = 180 days; Jul 10 → Nov 1 is 21 + 31 + 30 + 31 + 1 = 114;
// Nov 1 2024 → Feb 1 2025 is 30 + 31 + 31 = 92; Jan 1 2024 → Feb 1 2025 is 366 + 31 = 397;
// Jul 10 2024 → Feb 1 2025 is 21 + 31 + 30 + 31 + 30 + 31 + 31 + 1 = 206; Feb 1 → Mar 1 2025 adds 28.
const lines: LineTimeline[] = [
  { line: 1, startDate: '2024-01-01', bestResponse: { category: 'PR', date: '2024-03-15' }, progressionDate: '2024-06-29' },
  { line: 2, startDate: '2024-07-10', bestResponse: { category: 'SD', date: '2024-09-20' } },
  { line: 3, startDate: '2024-11-01', lastFollowUp: '2025-02-01' },
];

describe('PFS and OS from recorded lines', () => {
  it('alive: PFS ends at progression, or is censored at the next line or the last date known alive; OS is censored at that date', () => {
    assert.deepEqual(deriveSurvival(lines), [
      { line: 1, pfs: { days: 180, event: 1 }, os: { days: 397, event: 0 } },
      { line: 2, pfs: { days: 114, event: 0 }, os: { days: 206, event: 0 } }, // no progression: censored when line 3 began
      { line: 3, pfs: { days: 92, event: 0 }, os: { days: 92, event: 0 } },
    ]);
  });

  it('after death on 2025-03-01: OS is an event on every line; PFS is a death event only for the line it ended', () => {
    assert.deepEqual(deriveSurvival(lines, '2025-03-01'), [
      { line: 1, pfs: { days: 180, event: 1 }, os: { days: 425, event: 1 } },
      { line: 2, pfs: { days: 114, event: 0 }, os: { days: 234, event: 1 } },
      { line: 3, pfs: { days: 120, event: 1 }, os: { days: 120, event: 1 } },
    ]);
  });

  it('a PD best response is the progression; a later line started before progression censors PFS at that start', () => {
    assert.deepEqual(deriveSurvival([{ line: 1, startDate: '2024-01-01', bestResponse: { category: 'PD', date: '2024-03-01' } }]), [
      { line: 1, pfs: { days: 60, event: 1 }, os: { days: 60, event: 0 } },
    ]);
    const switched = deriveSurvival([
      { line: 1, startDate: '2024-01-01', progressionDate: '2024-03-01' },
      { line: 2, startDate: '2024-02-01' },
    ]);
    assert.deepEqual(switched[0], { line: 1, pfs: { days: 31, event: 0 }, os: { days: 60, event: 0 } });
  });

  it('a line with only its start has zero days of follow-up, censored', () => {
    assert.deepEqual(deriveSurvival([{ line: 1, startDate: '2024-05-05' }]), [{ line: 1, pfs: { days: 0, event: 0 }, os: { days: 0, event: 0 } }]);
  });

  it('objective response: CR and PR are 1, SD and PD 0', () => {
    assert.deepEqual(['CR', 'PR', 'SD', 'PD'].map((c) => responseLabel(c as 'CR')), [1, 1, 0, 0]);
    assert.equal(responseLabel(undefined), undefined);
  });
});
