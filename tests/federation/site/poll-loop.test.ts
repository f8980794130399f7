import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, ErrorCode } from '../../../src/errors/domain-error.ts';
import { startPolling, type PollOutcome, type SiteParticipant } from '../../../src/federation/site/index.ts';

function scripted(script: (PollOutcome | Error)[]): SiteParticipant & { times: number[] } {
  const times: number[] = [];
  return {
    times,
    async pollOnce() {
      times.push(Date.now());
      const next = script.shift() ?? { kind: 'idle' };
      if (next instanceof Error) throw next;
      return next;
    },
    fetchLatestVersion: () => Promise.reject(new Error('unused')),
    ledger: async () => null,
  };
}

describe('poll loop', () => {
  it('polls again at once after work, waits when idle, backs off after a failure, and stops cleanly', async () => {
    const p = scripted([
      { kind: 'secagg', roundId: 'r', stage: 'advertise' },
      { kind: 'secagg', roundId: 'r', stage: 'share' },
      { kind: 'idle' },
      new DomainError(ErrorCode.UNAVAILABLE, 'coordinator down'),
      { kind: 'idle' },
    ]);
    const seen: string[] = [];
    const stop = startPolling(p, { intervalMs: 200, maxBackoffMs: 5000, onOutcome: (o) => void seen.push(o.kind) });
    await new Promise((r) => setTimeout(r, 900));
    await stop();
    const gaps = p.times.slice(1).map((t, i) => t - p.times[i]!);
    assert.ok(gaps[0]! < 150 && gaps[1]! < 150, `no pause after work: ${gaps}`);
    assert.ok(gaps[2]! >= 190, `a pause when idle: ${gaps}`);
    // after one failure: interval · 2
    assert.ok(gaps[3]! >= 390, `back-off after a failure: ${gaps}`);
    assert.deepEqual(seen.slice(0, 4), ['secagg', 'secagg', 'idle', 'idle']);
    const count = p.times.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(p.times.length, count, 'no poll after stop');
  });
});
