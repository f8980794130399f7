/**
 * Who is in the data: each group's count and share among all the site's patients, among sequenced
 * patients and among trial-eligible ones, and the representation ratio (a group's share of a
 * population divided by its share of all patients; below 1, the group is under-represented there).
 * Shares are of each population's own total, so they add up to 1 within an attribute.
 */
import { compareGroups, EQUITY_ATTRIBUTES, type EquityAttribute, type SitePatient } from './site-patients.ts';

/** The populations a group's share is reported in. */
export const POPULATIONS = ['all', 'sequenced', 'trialEligible'] as const;
export type Population = (typeof POPULATIONS)[number];

/** A group's count in one population and its share of that population. */
export interface Share {
  count: number;
  /** count / the population's total; null for an empty population */
  share: number | null;
}

/** One group across the populations. */
export interface RepresentationRow {
  group: string;
  all: Share;
  sequenced: Share;
  /** absent when the report was not given trial eligibility */
  trialEligible?: Share;
  /** share among sequenced / share among all */
  sequencedRatio: number | null;
  trialEligibleRatio?: number | null;
}

/** The groups of one attribute. */
export interface AttributeRepresentation {
  attribute: EquityAttribute;
  groups: RepresentationRow[];
}

const inPopulation: Readonly<Record<Population, (p: Pick<SitePatient, 'sequenced' | 'trialEligible'>) => boolean>> = {
  all: () => true,
  sequenced: (p) => p.sequenced,
  trialEligible: (p) => p.trialEligible,
};

function share(count: number, total: number): Share {
  return { count, share: total === 0 ? null : count / total };
}

function ratio(of: Share, all: Share): number | null {
  return of.share === null || !all.share ? null : of.share / all.share;
}

/** The representation table of each attribute, groups in reading order (`compareGroups`). */
export function representation(patients: readonly Pick<SitePatient, 'tags' | 'sequenced' | 'trialEligible'>[], withTrials: boolean): AttributeRepresentation[] {
  const totals = Object.fromEntries(POPULATIONS.map((p) => [p, patients.filter(inPopulation[p]).length])) as Record<Population, number>;
  return EQUITY_ATTRIBUTES.map((attribute) => {
    const groups = [...new Set(patients.map((p) => p.tags[attribute]))].sort(compareGroups(attribute));
    return {
      attribute,
      groups: groups.map((group) => {
        const members = patients.filter((p) => p.tags[attribute] === group);
        const count = (population: Population) => share(members.filter(inPopulation[population]).length, totals[population]);
        const all = count('all');
        const sequenced = count('sequenced');
        const row: RepresentationRow = { group, all, sequenced, sequencedRatio: ratio(sequenced, all) };
        if (withTrials) {
          row.trialEligible = count('trialEligible');
          row.trialEligibleRatio = ratio(row.trialEligible, all);
        }
        return row;
      }),
    };
  });
}
