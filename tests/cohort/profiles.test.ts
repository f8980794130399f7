import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtInProfiles, parseProfile, profilesForSites } from '../../src/cohort/profiles.ts';

test('four built-in profiles: two Indian centres, one US, one European', () => {
  const profiles = builtInProfiles();
  assert.deepEqual(profiles.map((p) => p.id), ['in-west', 'in-south', 'us-northeast', 'eu-west']);
  assert.deepEqual(profiles.map((p) => p.country), ['IN', 'IN', 'US', 'ES']);
  assert.ok(profiles.some((p) => p.annotation === 'ANN') && profiles.some((p) => p.annotation === 'CSQ'));
});

test('every prevalence figure names its source and says whether it was checked', () => {
  for (const p of builtInProfiles()) {
    for (const [cancer, figures] of Object.entries(p.prevalence)) {
      for (const [name, figure] of Object.entries(figures as Record<string, { value: number; source: string; checked: boolean }>)) {
        assert.ok(figure.source.length > 5, `${p.id} ${cancer}.${name} has a source`);
        assert.equal(typeof figure.checked, 'boolean');
      }
    }
  }
});

test('a profile whose numbers cannot hold is refused with the reason', () => {
  const base = structuredClone(builtInProfiles()[0]!);
  const bad = structuredClone(base);
  bad.prevalence.breast.TNBC.value = 0.5;
  assert.throws(() => parseProfile(bad, 'bad.json'), /bad\.json: breast subtypes sum to 1\.1900, not 1/);
  const lung = structuredClone(base);
  lung.prevalence.lung.EGFR.value = 0.95;
  assert.throws(() => parseProfile(lung, 'lung.json'), /lung EGFR \+ KRAS \+ BRAF_V600E exceed 1/);
  assert.throws(() => parseProfile({ ...base, id: 'Bad Id' }, 'id.json'), /id\.json: id: lower-case letters/);
  assert.throws(() => parseProfile({ ...base, ecog: [0.5, 0.5, 0.5, 0.5] }, 'e.json'), /ecog does not sum to 1/);
});

test('more sites than profiles reuse them under new ids', () => {
  const ids = profilesForSites(6, builtInProfiles()).map((p) => p.id);
  assert.deepEqual(ids, ['in-west', 'in-south', 'us-northeast', 'eu-west', 'in-west-2', 'in-south-2']);
});
