/**
 * Evaluates a molecular profile against a patient's calls in Kleene's three-valued logic: AND is
 * NOT_MATCHED when any operand is, OR is MATCHED when any operand is, and NOT_ASSESSABLE
 * otherwise propagates. NOT swaps MATCHED and NOT_MATCHED, and is pushed down to the variants
 * (De Morgan), where "no call" counts as the variant's absence only in a gene the assay tested.
 */
import { mapLeaves, parseProfile, type ProfileExpr, type VariantLeaf } from './profile-parser.ts';
import { matchRule, type PatientVariantIndex } from './variant-matching.ts';
import { classifyVariant, type VariantRule } from './variant-rules.ts';

/** Whether a profile holds for the patient; NOT_ASSESSABLE when the VCF cannot decide it, never NOT_MATCHED. */
export type MatchStatus = 'MATCHED' | 'NOT_MATCHED' | 'NOT_ASSESSABLE';

/** A profile's variant with the rule its name was classified into. */
export interface CompiledLeaf extends VariantLeaf {
  rule: VariantRule;
}
export type CompiledProfile = ProfileExpr<CompiledLeaf>;

/** A variant of the profile the calls could not decide, and why. */
export interface UnassessedVariant {
  gene: string;
  name: string;
  reason: string;
  /** calls that might be it (e.g. a protein-altering call for `Activating Mutation`) */
  candidates: number[];
}

export interface ProfileMatch {
  status: MatchStatus;
  /** indexes of the calls behind the profile's matched variants (for NOT_ASSESSABLE: the part that did match) */
  variants: number[];
  /** the variants that left the profile NOT_ASSESSABLE; empty otherwise */
  unassessed: UnassessedVariant[];
}

/** Parses a CIViC profile name and classifies each of its variants. */
export function compileProfile(text: string): CompiledProfile {
  return mapLeaves(parseProfile(text), (leaf) => ({ ...leaf, rule: classifyVariant(leaf.gene, leaf.name) }));
}

function leafMatch(leaf: CompiledLeaf, negated: boolean, index: PatientVariantIndex): ProfileMatch {
  const r = matchRule(leaf.gene, leaf.rule, index);
  // `Wildtype` is the negation of `Mutation`
  const negative = negated !== (leaf.rule.kind === 'gene' && leaf.rule.negated);
  const unassessed = (reason: string, candidates: number[] = []): ProfileMatch => ({
    status: 'NOT_ASSESSABLE',
    variants: [],
    unassessed: [{ gene: leaf.gene, name: leaf.name, reason, candidates }],
  });
  if (r.state === 'unknown') return unassessed(r.reason ?? 'not shown by the calls', r.variants);
  if (!negative) return r.state === 'present' ? { status: 'MATCHED', variants: r.variants, unassessed: [] } : { status: 'NOT_MATCHED', variants: [], unassessed: [] };
  if (r.state === 'present') return { status: 'NOT_MATCHED', variants: [], unassessed: [] };
  return index.testedGenes.has(leaf.gene.toUpperCase())
    ? { status: 'MATCHED', variants: [], unassessed: [] }
    : unassessed(`no call in ${leaf.gene}, but the assay's tested genes are not known, so wild type is not assumed`);
}

function combine(op: 'and' | 'or', parts: readonly ProfileMatch[]): ProfileMatch {
  const decisive = op === 'and' ? 'NOT_MATCHED' : 'MATCHED';
  const status: MatchStatus = parts.some((p) => p.status === decisive)
    ? decisive
    : parts.some((p) => p.status === 'NOT_ASSESSABLE')
      ? 'NOT_ASSESSABLE'
      : op === 'and'
        ? 'MATCHED'
        : 'NOT_MATCHED';
  if (status === 'NOT_MATCHED') return { status, variants: [], unassessed: [] };
  const variants = [...new Set(parts.filter((p) => p.status === 'MATCHED').flatMap((p) => p.variants))];
  // a decided OR does not need its undecidable operands; an undecided profile lists them
  const unassessed = status === 'NOT_ASSESSABLE' ? parts.flatMap((p) => p.unassessed) : [];
  return { status, variants, unassessed };
}

function evaluate(expr: CompiledProfile, negated: boolean, index: PatientVariantIndex): ProfileMatch {
  switch (expr.kind) {
    case 'not':
      return evaluate(expr.operand, !negated, index);
    case 'and':
    case 'or': {
      const op = negated ? (expr.kind === 'and' ? 'or' : 'and') : expr.kind;
      return combine(op, expr.operands.map((e) => evaluate(e, negated, index)));
    }
    default:
      return leafMatch(expr, negated, index);
  }
}

/** Whether a patient's calls hold a profile: MATCHED, NOT_MATCHED or NOT_ASSESSABLE, with the calls behind it. */
export function matchProfile(profile: CompiledProfile, index: PatientVariantIndex): ProfileMatch {
  return evaluate(profile, false, index);
}
