import type { Patient } from '@medplum/fhirtypes';
import { extensionNamed, sourceOf, toCode } from './fhir-values.ts';
import type { Code, Derived, Sex } from './types.ts';

export interface Demographics {
  sex?: Derived<Sex>;
  birthDate?: Derived<string>;
  deceased?: Derived<boolean>;
  deceasedDate?: Derived<string>;
  populationGroups: Derived<Code>[];
}

const SEXES: readonly Sex[] = ['male', 'female', 'other', 'unknown'];

/**
 * Sex, birth date, death, and population groups from the Patient: the US Core race and ethnicity
 * categories (`ombCategory`, then `detailed`) and any `population-group` extension.
 * https://hl7.org/fhir/us/core/StructureDefinition-us-core-race.html
 */
export function mapDemographics(patient: Patient): Demographics {
  const source = sourceOf(patient);
  const out: Demographics = { populationGroups: [] };
  if (patient.gender && SEXES.includes(patient.gender as Sex)) out.sex = { value: patient.gender as Sex, source };
  if (patient.birthDate) out.birthDate = { value: patient.birthDate, source };
  if (patient.deceasedDateTime) {
    out.deceased = { value: true, source };
    out.deceasedDate = { value: patient.deceasedDateTime, source };
  } else if (patient.deceasedBoolean !== undefined) {
    out.deceased = { value: patient.deceasedBoolean, source };
  }
  for (const name of ['us-core-race', 'us-core-ethnicity']) {
    const ext = extensionNamed(patient.extension, name);
    for (const part of ext?.extension ?? []) {
      if ((part.url === 'ombCategory' || part.url === 'detailed') && part.valueCoding) {
        const code = toCode(part.valueCoding);
        if (code) out.populationGroups.push({ value: code, source });
      }
    }
  }
  const group = extensionNamed(patient.extension, 'population-group');
  const groupCode = toCode(group?.valueCoding ?? group?.valueCodeableConcept?.coding?.[0]);
  if (groupCode) out.populationGroups.push({ value: groupCode, source });
  return out;
}
