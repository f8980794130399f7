/**
 * Cards as CDS Hooks 2.0 defines them (https://cds-hooks.hl7.org/2.0/#card-attributes), and the
 * small rules every card here keeps: a uuid, a summary under 140 characters, a source with a
 * topic, and `selectionBehavior` whenever there are suggestions.
 */
import { randomUUID } from 'node:crypto';

export interface Coding {
  system?: string;
  code: string;
  display?: string;
}

export interface CardSource {
  label: string;
  url?: string;
  topic?: Coding;
}

export interface CardLink {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

export interface CardAction {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: Record<string, unknown>;
  /** CDS Hooks 2.0: a relative reference, for delete */
  resourceId?: string;
}

export interface CardSuggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions?: CardAction[];
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: CardSource;
  suggestions?: CardSuggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: CardLink[];
}

/** What Sangam keeps about each card (kind, what each suggestion proposes, the models behind it). */
export interface CardRecord {
  card: Card;
  kind: 'prognosis' | 'therapy' | 'trials' | 'resistance' | 'low-response';
  /** per suggestion uuid: the regimen or drugs proposed */
  proposals: { uuid: string; label: string; therapy?: string; drugs?: string[] }[];
  provenance: Record<string, string | null>;
}

export const MAX_SUMMARY_LENGTH = 139;

/** Cuts a summary to fit the spec's "<140 characters", at a word boundary with an ellipsis. */
export function fitSummary(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= MAX_SUMMARY_LENGTH) return flat;
  const cut = flat.slice(0, MAX_SUMMARY_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 80 ? cut.slice(0, space) : cut).replace(/[,;:\s]+$/, '')}…`;
}

/** The topic codes of Sangam's cards (a local code system). */
export const TOPIC_SYSTEM = 'https://sangam.example.org/fhir/CodeSystem/cds-card-topic';

/** Override reasons offered on warning cards. */
export const OVERRIDE_REASONS: Coding[] = [
  { system: 'https://sangam.example.org/fhir/CodeSystem/cds-override-reason', code: 'clinical-judgement', display: 'Benefit outweighs the evidence for this patient' },
  { system: 'https://sangam.example.org/fhir/CodeSystem/cds-override-reason', code: 'evidence-not-applicable', display: 'Evidence does not apply (e.g. result outdated or re-tested)' },
  { system: 'https://sangam.example.org/fhir/CodeSystem/cds-override-reason', code: 'patient-preference', display: 'Patient preference after discussion' },
  { system: 'https://sangam.example.org/fhir/CodeSystem/cds-override-reason', code: 'trial-protocol', display: 'Given within a clinical trial protocol' },
];

/** Builds a card with a fresh uuid, a fitted summary and selectionBehavior when it has suggestions. */
export function makeCard(card: Omit<Card, 'uuid'> & { uuid?: string }): Card {
  const out: Card = { ...card, uuid: card.uuid ?? randomUUID(), summary: fitSummary(card.summary) };
  if (out.suggestions && out.suggestions.length === 0) delete out.suggestions;
  if (out.suggestions && !out.selectionBehavior) out.selectionBehavior = 'at-most-one';
  if (!out.suggestions) delete out.selectionBehavior;
  if (out.links && out.links.length === 0) delete out.links;
  return out;
}
