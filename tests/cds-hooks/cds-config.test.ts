import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCdsHooksConfig } from '../../src/cds-hooks/cds-config.ts';
import { fitSummary, makeCard } from '../../src/cds-hooks/card.ts';

describe('CDS Hooks config', () => {
  const base = { SANGAM_CDS_PUBLIC_BASE_URL: 'https://sangam.example.org/' };

  it('reads the environment, trusted issuers as JSON', () => {
    const c = loadCdsHooksConfig({ ...base, SANGAM_CDS_TRUSTED_ISSUERS: JSON.stringify([{ iss: 'https://ehr.example.org', jkuAllowlist: ['https://ehr.example.org/jwks'] }]), SANGAM_CDS_MAX_BODY_BYTES: '2048' });
    assert.equal(c.publicBaseUrl, 'https://sangam.example.org');
    assert.equal(c.maxBodyBytes, 2048);
    assert.deepEqual(c.trustedIssuers, [{ iss: 'https://ehr.example.org', jkuAllowlist: ['https://ehr.example.org/jwks'] }]);
  });

  it('names the variable of a bad setting', () => {
    assert.throws(() => loadCdsHooksConfig({ ...base, SANGAM_CDS_TRUSTED_ISSUERS: '[{"iss":"x"}]' }), /SANGAM_CDS_TRUSTED_ISSUERS.*jkuAllowlist or jwksUrl/);
    assert.throws(() => loadCdsHooksConfig({ ...base, SANGAM_CDS_TRUSTED_ISSUERS: 'nope' }), /SANGAM_CDS_TRUSTED_ISSUERS.*not JSON/);
    assert.throws(() => loadCdsHooksConfig({}), /SANGAM_CDS_PUBLIC_BASE_URL/);
    assert.throws(() => loadCdsHooksConfig({ ...base, SANGAM_CDS_LOW_RESPONSE_THRESHOLD: '2' }), /SANGAM_CDS_LOW_RESPONSE_THRESHOLD/);
  });

  it('refuses to run production without a trusted EHR, and has no setting that turns authentication off', () => {
    assert.throws(() => loadCdsHooksConfig(base, {}, 'production'), /no EHR is trusted/);
    const config = loadCdsHooksConfig({ ...base, SANGAM_CDS_AUTH: 'disabled' }, {}, 'development') as unknown as Record<string, unknown>;
    assert.equal('auth' in config, false);
  });
});

describe('cards', () => {
  it('keeps summaries under 140 characters, cutting at a word', () => {
    const long = `Resistance evidence: ${'KRAS p.G12D, '.repeat(20)}vs cetuximab`;
    const s = fitSummary(long);
    assert.ok(s.length < 140 && s.endsWith('…'), s);
    assert.equal(fitSummary('short  and\nflat'), 'short and flat');
  });

  it('adds selectionBehavior exactly when there are suggestions', () => {
    const source = { label: 'x' };
    assert.equal(makeCard({ summary: 's', indicator: 'info', source, suggestions: [{ label: 'a', uuid: 'u' }] }).selectionBehavior, 'at-most-one');
    const none = makeCard({ summary: 's', indicator: 'info', source, suggestions: [], selectionBehavior: 'any' });
    assert.deepEqual(['suggestions' in none, 'selectionBehavior' in none], [false, false]);
  });
});
