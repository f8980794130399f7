/**
 * Patient → trials: every criterion of each trial evaluated to MET / NOT_MET / UNKNOWN, combined
 * through the and/or/not tree with Kleene's three-valued logic, so a trial whose only open
 * questions are missing data is "possibly eligible", never silently "not eligible".
 */
import { evaluateTree, leavesOf } from '../eligibility/three-valued.ts';
import type { TrialDefinition, TriState } from '../eligibility/types.ts';
import type { PatientFacts } from '../facts/patient-facts.ts';
import { evaluateCriterion, type CriterionOutcome, type EvaluationContext } from './evaluate-criterion.ts';

export type MatchStatus = 'ELIGIBLE' | 'POSSIBLY_ELIGIBLE' | 'NOT_ELIGIBLE';

export interface CriterionResult extends CriterionOutcome {
  /** leaf id within the trial (`c1`, `c2`, ...) */
  id: string;
  text: string;
  /** the criterion sits under a NOT: when MET, it excludes the patient */
  exclusion: boolean;
}

export interface TrialMatch {
  trial: TrialDefinition;
  status: MatchStatus;
  overall: TriState;
  criteria: CriterionResult[];
  /** MET criteria over all criteria that count towards eligibility (exclusions count when NOT_MET) */
  score: number;
}

const STATUS: Record<TriState, MatchStatus> = { MET: 'ELIGIBLE', UNKNOWN: 'POSSIBLY_ELIGIBLE', NOT_MET: 'NOT_ELIGIBLE' };

/** Evaluates one trial for one patient. */
export function matchTrial(trial: TrialDefinition, facts: PatientFacts, ctx: EvaluationContext): TrialMatch {
  const outcomes = new Map<string, CriterionOutcome>();
  const overall = evaluateTree(trial.eligibility, (leaf) => {
    const o = evaluateCriterion(leaf.criterion, facts, ctx);
    outcomes.set(leaf.id, o);
    return o.result;
  });
  const criteria = leavesOf(trial.eligibility).map(({ leaf, exclusion }) => ({
    id: leaf.id,
    text: leaf.text,
    exclusion,
    ...(outcomes.get(leaf.id) as CriterionOutcome),
  }));
  const favourable = criteria.filter((c) => c.result === (c.exclusion ? 'NOT_MET' : 'MET')).length;
  const score = overall === 'MET' ? 1 : overall === 'NOT_MET' ? 0 : criteria.length === 0 ? 0 : favourable / criteria.length;
  return { trial, status: STATUS[overall], overall, criteria, score };
}

export interface MatchTrialsOptions {
  /** also return the trials the patient is not eligible for */
  includeNotEligible?: boolean;
}

const RANK: Record<TriState, number> = { MET: 0, UNKNOWN: 1, NOT_MET: 2 };

/** Evaluates every trial; eligible first, then possibly eligible by score, then by id. */
export function matchTrials(
  trials: readonly TrialDefinition[],
  facts: PatientFacts,
  ctx: EvaluationContext,
  options: MatchTrialsOptions = {},
): TrialMatch[] {
  return trials
    .map((t) => matchTrial(t, facts, ctx))
    .filter((m) => options.includeNotEligible || m.overall !== 'NOT_MET')
    .sort((a, b) => RANK[a.overall] - RANK[b.overall] || b.score - a.score || a.trial.id.localeCompare(b.trial.id));
}
