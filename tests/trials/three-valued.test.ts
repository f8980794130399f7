import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and3, evaluateTree, leavesOf, not3, or3 } from '../../src/trials/eligibility/three-valued.ts';
import type { TriState } from '../../src/trials/eligibility/types.ts';
import { matchTrial } from '../../src/trials/evaluate/match-trials.ts';
import { and, factsWith, L, not, or, trialOf } from './helpers.ts';

const M = 'MET';
const N = 'NOT_MET';
const U = 'UNKNOWN';
const VALUES: TriState[] = [M, N, U];

/**
 * Kleene's strong three-valued tables (Kleene 1938, "Introduction to Metamathematics" §64), the same as
 * SQL's for TRUE/FALSE/NULL; written out here cell by cell rather than derived.
 */
const AND: Record<string, TriState> = { 'M,M': M, 'M,N': N, 'M,U': U, 'N,M': N, 'N,N': N, 'N,U': N, 'U,M': U, 'U,N': N, 'U,U': U };
const OR: Record<string, TriState> = { 'M,M': M, 'M,N': M, 'M,U': M, 'N,M': M, 'N,N': N, 'N,U': U, 'U,M': M, 'U,N': U, 'U,U': U };
const short = (v: TriState) => v[0] as 'M' | 'N' | 'U';

describe('three-valued logic', () => {
  it('AND: all nine cells', () => {
    for (const a of VALUES) for (const b of VALUES) assert.equal(and3([a, b]), AND[`${short(a)},${short(b)}`], `${a} AND ${b}`);
  });

  it('OR: all nine cells', () => {
    for (const a of VALUES) for (const b of VALUES) assert.equal(or3([a, b]), OR[`${short(a)},${short(b)}`], `${a} OR ${b}`);
  });

  it('NOT keeps UNKNOWN and swaps the others', () => {
    assert.deepEqual(VALUES.map(not3), [N, M, U]);
  });

  it('empty AND is MET and empty OR is NOT_MET (the identities)', () => {
    assert.equal(and3([]), M);
    assert.equal(or3([]), N);
  });

  it('a nested tree: (ECOG ≤ 1 AND (ER+ OR PR+)) AND NOT KRAS mutation', () => {
    const tree = and(
      L({ kind: 'ecog', range: { max: 1 } }),
      or(L({ kind: 'receptor', marker: 'ER', status: 'positive' }), L({ kind: 'receptor', marker: 'PR', status: 'positive' })),
      not(L({ kind: 'genomic', gene: 'KRAS', category: 'mutation', wildtype: false })),
    );
    const trial = trialOf('T1', tree);
    // ECOG 1, ER unknown but PR positive, sequenced without KRAS: every branch decided
    const eligible = factsWith({ ecog: 1, pr: 'positive', sequenced: true });
    assert.equal(matchTrial(trial, eligible, { asOf: '2025-01-01' }).overall, M);
    // not sequenced: the exclusion cannot be ruled out, so the whole is UNKNOWN (not NOT_MET)
    const notSequenced = factsWith({ ecog: 1, pr: 'positive' });
    const m = matchTrial(trial, notSequenced, { asOf: '2025-01-01' });
    assert.equal(m.overall, U);
    assert.equal(m.status, 'POSSIBLY_ELIGIBLE');
    assert.deepEqual(
      m.criteria.map((c) => [c.id, c.result, c.exclusion]),
      [['c1', M, false], ['c2', U, false], ['c3', M, false], ['c4', U, true]],
    );
    // one NOT_MET decides the AND whatever else is unknown
    assert.equal(matchTrial(trial, factsWith({ ecog: 3 }), { asOf: '2025-01-01' }).overall, N);
    // an excluding variant present: NOT_MET
    const kras = factsWith({ ecog: 0, er: 'positive', sequenced: true, variants: [{ gene: 'KRAS', proteinChange: 'p.G12C', exon: 2, altering: true }] });
    assert.equal(matchTrial(trial, kras, { asOf: '2025-01-01' }).status, 'NOT_ELIGIBLE');
  });

  it('evaluateTree and leavesOf agree on a double negation', () => {
    const tree = not(not(L({ kind: 'sex', sex: 'female' })));
    const leaves = leavesOf(tree);
    assert.equal(leaves.length, 1);
    assert.equal(leaves[0]?.exclusion, false);
    assert.equal(evaluateTree(tree, () => M), M);
    assert.equal(evaluateTree(tree, () => U), U);
  });
});
