import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { loadCodeTables } from '../../../src/clinical/mcode/code-tables.ts';
import { mapClinicalSummary } from '../../../src/clinical/mcode/map-clinical-summary.ts';
import type { ClinicalSummary } from '../../../src/clinical/mcode/types.ts';
import { generateSitePatients } from '../../../src/cohort/generate.ts';
import { builtInProfiles } from '../../../src/cohort/profiles.ts';
import { dayNumber, responseOutcomes, survivalOutcome } from '../../../src/federation/site-data/outcome-labels.ts';

const codes = loadCodeTables();
// the generator's truth is the independent source: it knows each patient's observed time, death and response
const site = generateSitePatients(builtInProfiles().find((p) => p.id === 'in-south')!, 200, 5);
const summaries = site.patients.map((p) => mapClinicalSummary(p.biology.id, (p.bundle.entry ?? []).map((e) => e.resource as Resource), codes));

describe('labels read from the FHIR record, against the synthetic cohort generator truth', () => {
  it('overall survival: days from diagnosis to death or last contact equal the generator’s observed time and death, for every patient', () => {
    assert.ok(site.patients.length > 100);
    assert.ok(site.patients.some((p) => p.course.died) && site.patients.some((p) => !p.course.died));
    site.patients.forEach((p, i) => {
      assert.deepEqual(survivalOutcome(summaries[i]!, new Date('2030-01-01')), { time: p.course.observedDays, event: p.course.died ? 1 : 0 }, p.biology.id);
    });
  });

  it('response: every line is matched to its regimen; labelled lines agree with whether the patient responded', () => {
    let lines = 0;
    let labelled = 0;
    let agree = 0;
    site.patients.forEach((p, i) => {
      const outcomes = responseOutcomes(summaries[i]!);
      for (const line of p.course.lines) {
        lines++;
        const found = outcomes.find((o) => o.line === line.line);
        assert.equal(found?.regimen, line.regimen);
        // an assessment twelve weeks in, before the last contact, is always in the record
        if (line.startDay + 84 <= p.course.lastDay) assert.notEqual(found?.label, undefined, `${p.biology.id} line ${line.line}`);
        if (found?.label === undefined) continue;
        labelled++;
        if (found.label === (line.responded ? 1 : 0)) agree++;
      }
    });
    // the few disagreements are lines whose assessment fell after the last contact, labelled from that last status
    assert.ok(labelled / lines > 0.85, `${labelled} of ${lines} lines labelled`);
    assert.ok(agree / labelled >= 0.99, `${agree} of ${labelled} labels agree`);
  });

  it('hand-made records: death without a date, no diagnosis, contacts after the round start, and statuses before eight weeks', () => {
    const base: ClinicalSummary = { mapperVersion: 'x', patientId: 'p', populationGroups: [], secondaryCancers: [], staging: {}, tumorMarkers: [], variants: [], medications: [], diseaseStatus: [] };
    const src = { resourceType: 'Observation', id: 'o' };
    const primary = { codes: [], diagnosisDate: '2020-01-01', source: src };
    assert.deepEqual(survivalOutcome(base, new Date()), { missing: 'no diagnosis date on the primary cancer' });
    assert.deepEqual(survivalOutcome({ ...base, primaryCancer: primary, deceased: { value: true, source: src } }, new Date()), { missing: 'deceased without a date of death' });
    const planned = { ...base, primaryCancer: primary, medications: [{ codes: [], source: src, start: '2020-02-01', end: '2031-01-01' }] };
    assert.deepEqual(survivalOutcome(planned, new Date('2025-01-01')), { time: 31, event: 0 }); // the planned end is not a contact
    assert.equal(dayNumber('2020-01-02T23:30:00-05:00')! - dayNumber('2020-01-01')!, 1);
    const rx = (code: string, line: number, start: string) => ({ codes: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code }], line, start, source: src });
    const status = (date: string, trend: 'improved' | 'stable') => ({ date, trend, code: {}, source: src });
    const treated = { ...base, medications: [rx('72965', 1, '2020-01-01'), rx('72965', 2, '2020-06-01'), rx('1601377', 2, '2020-06-01')], diseaseStatus: [status('2020-02-01', 'improved'), status('2020-03-15', 'stable'), status('2020-08-01', 'improved')] };
    assert.deepEqual(responseOutcomes(treated), [
      { line: 1, regimen: 'letrozole', label: 0 }, // 2020-02-01 is 31 days in, too early; 2020-03-15 (74 days) is stable
      { line: 2, regimen: 'letrozole-palbociclib', label: 1 },
    ]);
  });
});
