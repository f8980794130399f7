import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, isDomainError } from '../../../src/errors/domain-error.ts';
import { PrivacyBudgetExceededError, PrivacyLedger, type PrivacyRound } from '../../../src/federation/privacy/privacy-ledger.ts';

// Opacus accountants_test.py test_rdp_accountant (github.com/pytorch/opacus @ 4d0ebc84613d214fbfd37fbfd1390e3747a625ce):
// 2250 steps at q = 0.04, σ = 1.5 spend ε = 7.32911117143 at δ = 1e-5. Two rounds of 1125 steps each
// are those 2250 steps, so a budget just above or just below that ε decides whether round 2 fits.
const OPACUS_EPSILON = 7.32911117143;
const round = (roundId: string, steps = 1125): PrivacyRound => ({ roundId, sampleRate: 0.04, noiseMultiplier: 1.5, steps });

describe('PrivacyLedger', () => {
  it('composes rounds with the RDP accountant: two halves spend what Opacus reports for the whole', () => {
    const ledger = new PrivacyLedger({ epsilon: 7.33, delta: 1e-5 });
    assert.deepEqual(ledger.spent(), { epsilon: 0, delta: 1e-5 });
    const afterOne = ledger.charge(round('r1')).epsilon;
    const afterTwo = ledger.charge(round('r2'));
    assert.ok(Math.abs(afterTwo.epsilon - OPACUS_EPSILON) < 5e-8, `${afterTwo.epsilon}`);
    assert.equal(afterTwo.delta, 1e-5);
    // RDP composition is sub-additive in ε: the second half costs less than the first did.
    assert.ok(afterTwo.epsilon < 2 * afterOne);
  });

  it('refuses the round that would cross the budget, with a typed error, and stays unchanged', () => {
    const ledger = new PrivacyLedger({ epsilon: 7.329, delta: 1e-5 });
    ledger.charge(round('r1'));
    const before = ledger.spent();
    assert.equal(ledger.wouldExceed(round('r2')), true);
    assert.equal(ledger.wouldExceed(round('r2', 1000)), false);
    assert.throws(
      () => ledger.charge(round('r2')),
      (err: unknown) =>
        err instanceof PrivacyBudgetExceededError &&
        isDomainError(err) &&
        err.code === 'CONFLICT' &&
        err.httpStatus === 409 &&
        err.roundId === 'r2' &&
        Math.abs(err.epsilonAfter - OPACUS_EPSILON) < 5e-8,
    );
    assert.deepEqual(ledger.spent(), before);
    assert.deepEqual(
      ledger.rounds.map((r) => r.roundId),
      ['r1'],
    );
  });

  it('estimates a planned round without charging it', () => {
    const ledger = new PrivacyLedger({ epsilon: 10, delta: 1e-5 });
    ledger.charge(round('r1'));
    assert.ok(Math.abs(ledger.epsilonAfter(round('r2')) - OPACUS_EPSILON) < 5e-8);
    assert.equal(ledger.rounds.length, 1);
  });

  it('refuses to charge the same round id twice', () => {
    const ledger = new PrivacyLedger({ epsilon: 100, delta: 1e-5 });
    ledger.charge(round('r1', 10));
    assert.throws(() => ledger.charge(round('r1', 10)), (err: unknown) => err instanceof DomainError && err.code === 'CONFLICT');
  });

  it('round-trips through JSON and gives the same ε', () => {
    const ledger = new PrivacyLedger({ epsilon: 8, delta: 1e-5 });
    ledger.charge(round('r1'));
    ledger.charge({ roundId: 'r2', sampleRate: 0.01, noiseMultiplier: 1.1, steps: 300 });
    const restored = PrivacyLedger.fromJSON(JSON.parse(JSON.stringify(ledger)));
    assert.deepEqual(restored.toJSON(), ledger.toJSON());
    assert.equal(restored.spent().epsilon, ledger.spent().epsilon);
    assert.equal(ledger.toJSON().version, 1);
  });

  it('keeps stored rounds even past a budget lowered since, but charges nothing more', () => {
    const ledger = new PrivacyLedger({ epsilon: 1, delta: 1e-5 }, [round('r1'), round('r2')]);
    assert.ok(ledger.spent().epsilon > 1);
    assert.equal(ledger.wouldExceed({ roundId: 'r3', sampleRate: 0, noiseMultiplier: 1, steps: 5 }), true);
  });

  it('reports malformed stored JSON as bad input located by path', () => {
    const json = { version: 1, budget: { epsilon: 8, delta: 1e-5 }, rounds: [{ roundId: 'r1', sampleRate: 2, noiseMultiplier: 1, steps: 5 }] };
    assert.throws(
      () => PrivacyLedger.fromJSON(json),
      (err: unknown) =>
        isDomainError(err) && err.code === 'BAD_INPUT' && err.issues.some((i) => i.expression === 'ledger.rounds.0.sampleRate'),
    );
    assert.throws(() => new PrivacyLedger({ epsilon: 8, delta: 0 }), (err: unknown) => isDomainError(err) && err.code === 'BAD_INPUT');
  });
});
