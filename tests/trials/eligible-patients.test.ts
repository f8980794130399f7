import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/storage/port.ts';
import { eligiblePatients, resolvePseudonym } from '../../src/trials/cohort/eligible-patients.ts';
import { deriveMatcherKey, pseudonymizer } from '../../src/trials/cohort/pseudonyms.ts';
import { releaseBreakdown, releaseCount } from '../../src/trials/cohort/representation.ts';
import { writePatientFeatures } from '../../src/trials/facts/feature-store.ts';
import type { PatientFacts } from '../../src/trials/facts/patient-facts.ts';
import { testDatabases } from '../helpers/databases.ts';
import { and, factsWith, L, trialOf } from './helpers.ts';

/**
 * A hand-built population of 36 breast-cancer patients: 30 living and eligible (20 women, 10 men;
 * 15 "Asian Indian", 12 "White", 3 with no group; 12 aged 40-49, 18 aged 50-59 on 2025-06-15),
 * 2 deceased, and 4 with lung cancer.
 */
const asOf = '2025-06-15';
function population(): { patientId: string; facts: PatientFacts }[] {
  const out: { patientId: string; facts: PatientFacts }[] = [];
  for (let i = 0; i < 30; i++) {
    const born = i < 12 ? '1980-03-01' : '1970-03-01'; // 45 and 55
    out.push({
      patientId: `pt-${String(i).padStart(3, '0')}`,
      facts: factsWith({
        birthDate: { earliest: born, latest: born },
        sex: i < 20 ? 'female' : 'male',
        populationGroup: i < 15 ? 'Asian Indian' : i < 27 ? 'White' : null,
        cancerType: 'breast',
        cancerClass: 'solid',
        stageGroup: 2,
      }),
    });
  }
  for (let i = 0; i < 2; i++) out.push({ patientId: `dead-${i}`, facts: factsWith({ deceased: true, sex: 'female', cancerType: 'breast', cancerClass: 'solid', stageGroup: 2 }) });
  for (let i = 0; i < 4; i++) out.push({ patientId: `lung-${i}`, facts: factsWith({ sex: 'male', cancerType: 'lung', cancerClass: 'solid', stageGroup: 4 }) });
  return out;
}

const breast = trialOf('NCT00000001', L({ kind: 'cancerType', value: 'breast', meta: false, negated: false }));
const maleBreast = trialOf('NCT00000002', and(L({ kind: 'cancerType', value: 'breast', meta: false, negated: false }), L({ kind: 'sex', sex: 'male' })));
const KEY_A = 'matcher-A-secret-0123456789abcdef';
const KEY_B = 'matcher-B-secret-0123456789abcdef';

describe('small-cell suppression', () => {
  it('counts 1-10 are shown as <11; 0 and 11 are shown', () => {
    assert.deepEqual([0, 1, 10, 11].map((n) => releaseCount(n).display), ['0', '<11', '<11', '11']);
    assert.equal(releaseCount(7).value, null);
  });

  it('a lone small cell takes the next-smallest with it, so it cannot be recovered from the total', () => {
    const cells = releaseBreakdown([{ group: 'a', n: 15 }, { group: 'b', n: 12 }, { group: 'c', n: 3 }], 30);
    assert.deepEqual(cells.map((c) => c.count.display), ['15', '≥11', '<11']);
    assert.deepEqual(cells.map((c) => c.count.value), [15, null, null]);
    // two small cells already hide each other
    assert.deepEqual(releaseBreakdown([{ group: 'a', n: 20 }, { group: 'b', n: 5 }, { group: 'c', n: 5 }], 30).map((c) => c.count.display), ['20', '<11', '<11']);
    // a suppressed total leaves nothing to subtract from
    assert.deepEqual(releaseBreakdown([{ group: 'a', n: 7 }, { group: 'b', n: 2 }], 9).map((c) => c.count.display), ['<11', '<11']);
  });
});

for (const target of testDatabases()) {
  describe(`eligiblePatients on ${target.name}`, () => {
    let db: Database;
    before(async () => {
      db = await target.open();
      await writePatientFeatures(db, population());
    });
    after(async () => db.close());

    it('counts living eligible patients and breaks them down by group, sex and age band, suppressing small cells', async () => {
      const page = await eligiblePatients(db, breast, { first: 50, matcherKey: KEY_A, asOf });
      assert.deepEqual(page.count, { value: 30, display: '30' }); // the 2 deceased and 4 lung patients are left out
      assert.equal(page.idsWithheld, false);
      assert.equal(page.patients.length, 30);
      const show = (cells: { group: string; count: { display: string } }[]) => cells.map((c) => `${c.group}=${c.count.display}`);
      // 3 without a group (<11) would follow from 30 − 15 − 12, so "White" (12) is hidden too
      assert.deepEqual(show(page.representation.populationGroup), ['Asian Indian=15', 'White=≥11', 'unknown=<11']);
      // 10 men <11, and then women (20) would give them away: both hidden
      assert.deepEqual(show(page.representation.sex), ['female=≥11', 'male=<11']);
      assert.deepEqual(show(page.representation.ageBand), ['40-49=12', '50-59=18']);
    });

    it('a cohort below 11 has its count suppressed and its ids withheld', async () => {
      const page = await eligiblePatients(db, maleBreast, { first: 50, matcherKey: KEY_A, asOf });
      assert.deepEqual([page.count.display, page.count.value, page.idsWithheld, page.patients.length], ['<11', null, true, 0]);
      assert.ok(page.representation.sex.every((c) => c.count.display === '<11' || c.count.display === '0'));
    });

    it('pseudonyms are stable for a matcher and trial, differ across matchers and trials, and never show the record id', async () => {
      const a1 = (await eligiblePatients(db, breast, { first: 50, matcherKey: KEY_A, asOf })).patients.map((p) => p.pseudonym);
      const a2 = (await eligiblePatients(db, breast, { first: 50, matcherKey: KEY_A, asOf })).patients.map((p) => p.pseudonym);
      const b = (await eligiblePatients(db, breast, { first: 50, matcherKey: KEY_B, asOf })).patients.map((p) => p.pseudonym);
      const otherTrial = (await eligiblePatients(db, { ...breast, id: 'NCT00000009' }, { first: 50, matcherKey: KEY_A, asOf })).patients.map((p) => p.pseudonym);
      assert.deepEqual(a1, a2);
      assert.equal(new Set([...a1, ...b]).size, 60);
      assert.equal(new Set([...a1, ...otherTrial]).size, 60);
      for (const p of a1) {
        assert.match(p, /^[A-Za-z0-9_-]{22}$/);
        assert.ok(!p.includes('pt-'));
      }
      // the site (and only the site, holding the key) can go back to the record
      assert.equal(await resolvePseudonym(db, breast.id, KEY_A, a1[0] as string), 'pt-000');
      assert.equal(await resolvePseudonym(db, breast.id, KEY_B, a1[0] as string), undefined);
      // the pseudonym is HMAC-SHA256 under a per-trial key: recomputed independently here
      const { createHmac } = await import('node:crypto');
      const trialKey = createHmac('sha256', KEY_A).update(`sangam/trials/pseudonym/v1\u0000${breast.id}`).digest();
      assert.equal(a1[0], createHmac('sha256', trialKey).update('pt-000').digest().subarray(0, 16).toString('base64url'));
      assert.equal(pseudonymizer(deriveMatcherKey('site-secret-0123456789', 'matcher-1'), 'x')('p'), pseudonymizer(deriveMatcherKey('site-secret-0123456789', 'matcher-1'), 'x')('p'));
    });

    it('pages with opaque cursors that only work for the listing they came from', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await eligiblePatients(db, breast, { first: 7, matcherKey: KEY_A, asOf, ...(after ? { after } : {}) });
        seen.push(...page.patients.map((p) => p.pseudonym));
        pages++;
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor as string;
        assert.ok(!after.includes('pt-'));
      }
      assert.equal(pages, 5); // 7 + 7 + 7 + 7 + 2
      const all = (await eligiblePatients(db, breast, { first: 50, matcherKey: KEY_A, asOf })).patients.map((p) => p.pseudonym);
      assert.deepEqual(seen, all);
      const first = await eligiblePatients(db, breast, { first: 7, matcherKey: KEY_A, asOf });
      const cursor = first.pageInfo.endCursor as string;
      await assert.rejects(eligiblePatients(db, breast, { first: 7, matcherKey: KEY_B, asOf, after: cursor }), /not a cursor of this listing/);
      await assert.rejects(eligiblePatients(db, { ...breast, id: 'NCT00000009' }, { first: 7, matcherKey: KEY_A, asOf, after: cursor }), /not a cursor/);
      await assert.rejects(eligiblePatients(db, breast, { first: 7, matcherKey: KEY_A, asOf, after: 'cHQtMDA2' }), /not a cursor/);
    });

    it('refuses bad arguments with typed errors', async () => {
      await assert.rejects(eligiblePatients(db, breast, { first: 0, matcherKey: KEY_A }), (e: Error & { code?: string }) => e.code === 'BAD_INPUT');
      await assert.rejects(eligiblePatients(db, breast, { first: 10, matcherKey: 'short' }), /at least 16 bytes/);
      await assert.rejects(eligiblePatients(db, undefined, { first: 10, matcherKey: KEY_A }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
    });

    it('counts the possibly eligible apart when asked, and flags trials SQL cannot fully answer', async () => {
      const withFhirPath = trialOf('NCT00000003', and(L({ kind: 'cancerType', value: 'breast', meta: false, negated: false }), L({ kind: 'fhirpath', expression: 'Patient.exists()', description: 'x' })));
      const page = await eligiblePatients(db, withFhirPath, { first: 10, matcherKey: KEY_A, asOf, includePossible: true });
      assert.deepEqual([page.count.display, page.possible?.display, page.needsRecordReview], ['0', '30', true]);
    });
  });
}
