import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDomainError, type DomainError } from '../../src/errors/domain-error.ts';
import { parseOutcomeInput, type OutcomeInput } from '../../src/outcomes/outcome-input.ts';
import { resolveTherapy } from '../../src/outcomes/therapy-drugs.ts';
import { checkTimeline } from '../../src/outcomes/timeline-rules.ts';

const TODAY = '2025-06-01';
const base = { patientId: 'p1', therapy: { regimen: 'letrozole' }, line: 1, startDate: '2024-01-10' };

function issuesOf(input: Record<string, unknown>, context: { recordedDeath?: string; diagnosisDate?: string } = {}) {
  return checkTimeline(parseOutcomeInput({ ...base, ...input }), { today: TODAY, ...context });
}

/** The input problems of a rejected parse, as `expression: message`. */
function parseIssues(input: unknown): string[] {
  try {
    parseOutcomeInput(input);
  } catch (err) {
    assert.ok(isDomainError(err));
    assert.equal(err.code, 'BAD_INPUT');
    return (err as DomainError).issues.map((i) => `${i.expression}: ${i.message}`);
  }
  assert.fail('the input was accepted');
}

describe('outcome input: shape', () => {
  it('accepts a complete report and treats null as absent, except followedSuggestion where null means none followed', () => {
    const input = parseOutcomeInput({ ...base, bestResponse: null, progressionDate: null, death: null, lastFollowUp: '2024-06-01', followedSuggestion: null });
    assert.equal(input.bestResponse, undefined);
    assert.equal(input.progressionDate, undefined);
    assert.equal(input.followedSuggestion, null);
    assert.equal(parseOutcomeInput(base).followedSuggestion, undefined);
  });

  it('rejects a line below 1, a fractional line, an impossible date and an unknown RECIST category, each where it is', () => {
    assert.deepEqual(parseIssues({ ...base, line: 0 }), ['line: lines of therapy count from 1']);
    assert.deepEqual(parseIssues({ ...base, line: 1.5 }), ['line: must be a whole number']);
    assert.deepEqual(parseIssues({ ...base, startDate: '2023-02-29' }), ['startDate: must be a calendar date YYYY-MM-DD']);
    assert.match(parseIssues({ ...base, bestResponse: { category: 'MR', date: '2024-04-01' } })[0]!, /^bestResponse\.category: /);
    assert.deepEqual(parseIssues({ ...base, therapy: {} }), ['therapy.regimen: give the regimen or its RxNorm codes']);
    assert.match(parseIssues({ ...base, therapy: { rxnorm: ['72965', 'abc'] } })[0]!, /^therapy\.rxnorm\[1\]: must be an RxNorm code/);
    assert.match(parseIssues({ ...base, followedSuggestion: { therapy: 'Osimertinib', tier: 'I', modelVersion: 'latest' } })[0]!, /^followedSuggestion\.modelVersion: must be name@version/);
    assert.match(parseIssues({ ...base, surprise: 1 })[0]!, /^input: /);
  });
});

describe('outcome input: the therapy', () => {
  it('resolves a formulary regimen by id or name to its RxNorm ingredients, and RxNorm codes back to the regimen', () => {
    const byId = resolveTherapy({ regimen: 'letrozole-palbociclib' });
    const byName = resolveTherapy({ regimen: 'Letrozole + Palbociclib' });
    const byCodes = resolveTherapy({ rxnorm: ['1601377', '72965'] });
    for (const r of [byId, byName, byCodes]) {
      assert.ok('therapy' in r);
      assert.equal(r.therapy.regimen, 'letrozole-palbociclib');
      assert.deepEqual(r.therapy.drugs.map((d) => d.rxnorm), ['1601377', '72965']);
    }
    const other = resolveTherapy({ rxnorm: ['1164214'], name: 'tamoxifen' });
    assert.ok('therapy' in other);
    assert.equal(other.therapy.regimen, undefined);
    assert.equal(other.therapy.name, 'tamoxifen');
  });

  it('rejects an unknown regimen, and codes that are not the named regimen', () => {
    const unknown = resolveTherapy({ regimen: 'moonbeam' });
    assert.ok('issues' in unknown);
    assert.equal(unknown.issues[0]!.expression, 'therapy.regimen');
    assert.match(unknown.issues[0]!.message, /^unknown regimen; the formulary has carboplatin-pemetrexed, /);
    const wrong = resolveTherapy({ regimen: 'letrozole', rxnorm: ['72965', '1601377'] });
    assert.ok('issues' in wrong);
    assert.equal(wrong.issues[0]!.expression, 'therapy.rxnorm');
  });
});

describe('outcome timeline rules', () => {
  const at = (r: ReturnType<typeof issuesOf>) => r.issues.map((i) => i.expression);

  it('accepts a possible timeline with no issues', () => {
    const ok = issuesOf({ bestResponse: { category: 'PR', date: '2024-04-10' }, progressionDate: '2024-09-01', lastFollowUp: '2024-12-01', death: { date: '2025-01-15' } });
    assert.deepEqual(ok.issues, []);
    assert.deepEqual(ok.warnings, []);
  });

  it('rejects progression before the therapy start', () => {
    assert.deepEqual(at(issuesOf({ progressionDate: '2024-01-09' })), ['progressionDate']);
    assert.deepEqual(at(issuesOf({ progressionDate: '2024-01-10' })), []); // progression on day 0 is possible
  });

  it('rejects a response assessed before, or on the day of, the therapy start', () => {
    assert.deepEqual(at(issuesOf({ bestResponse: { category: 'SD', date: '2023-12-01' } })), ['bestResponse.date']);
    assert.deepEqual(at(issuesOf({ bestResponse: { category: 'SD', date: '2024-01-10' } })), ['bestResponse.date']);
  });

  it('rejects a CR/PR/SD best response assessed after progression, and a PD best response before a later progression date', () => {
    assert.deepEqual(at(issuesOf({ bestResponse: { category: 'CR', date: '2024-10-01' }, progressionDate: '2024-09-01' })), ['bestResponse.date']);
    assert.deepEqual(at(issuesOf({ bestResponse: { category: 'PD', date: '2024-04-01' }, progressionDate: '2024-05-01' })), ['progressionDate']);
    assert.deepEqual(at(issuesOf({ bestResponse: { category: 'PD', date: '2024-04-01' }, progressionDate: '2024-04-01' })), []);
  });

  it('rejects every event after death, located at the event', () => {
    const r = issuesOf({ bestResponse: { category: 'PR', date: '2024-04-10' }, progressionDate: '2024-09-01', lastFollowUp: '2024-12-01', death: { date: '2024-08-01' } });
    assert.deepEqual(at(r), ['progressionDate', 'lastFollowUp']);
    assert.match(r.issues[0]!.message, /progression on 2024-09-01 is after death on 2024-08-01/);
    assert.deepEqual(at(issuesOf({ death: { date: '2023-12-31' } })), ['startDate']);
  });

  it("rejects events after the death already in the patient's record", () => {
    const r = issuesOf({ lastFollowUp: '2024-12-01' }, { recordedDeath: '2024-11-30T08:00:00Z' });
    assert.deepEqual(at(r), ['lastFollowUp']);
    assert.match(r.issues[0]!.message, /the death in the patient's record on 2024-11-30/);
  });

  it('rejects a last follow-up before a recorded event', () => {
    assert.deepEqual(at(issuesOf({ progressionDate: '2024-09-01', lastFollowUp: '2024-08-01' })), ['lastFollowUp']);
    assert.deepEqual(at(issuesOf({ lastFollowUp: '2024-01-01' })), ['lastFollowUp']); // before the start
  });

  it('rejects dates in the future', () => {
    const r = issuesOf({ startDate: '2025-06-02', lastFollowUp: '2025-07-01' });
    assert.deepEqual(at(r), ['startDate', 'lastFollowUp']);
    assert.match(r.issues[0]!.message, /in the future \(today is 2025-06-01\)/);
    assert.deepEqual(at(issuesOf({ death: { date: '2026-01-01' } })), ['death.date']);
    assert.deepEqual(at(issuesOf({ lastFollowUp: TODAY })), []);
  });

  it('warns when the response was assessed in the first eight weeks, or the therapy began before the diagnosis', () => {
    const early = issuesOf({ bestResponse: { category: 'PR', date: '2024-03-05' } }, { diagnosisDate: '2024-02-01' });
    assert.deepEqual(early.issues, []);
    assert.deepEqual(early.warnings.map((w) => w.expression), ['bestResponse.date', 'startDate']);
    assert.match(early.warnings[0]!.message, /assessed 55 days after the start/);
    assert.deepEqual(issuesOf({ bestResponse: { category: 'PR', date: '2024-03-06' } }).warnings, []); // day 56 counts
  });

  it('collects every broken rule at once', () => {
    const input: OutcomeInput = parseOutcomeInput({ ...base, bestResponse: { category: 'PR', date: '2024-01-01' }, progressionDate: '2023-01-01', lastFollowUp: '2022-01-01' });
    // response on/before start; progression before start; PR after progression; follow-up before start, response and progression
    assert.deepEqual(
      checkTimeline(input, { today: TODAY }).issues.map((i) => i.expression),
      ['bestResponse.date', 'progressionDate', 'bestResponse.date', 'lastFollowUp', 'lastFollowUp', 'lastFollowUp'],
    );
  });
});
