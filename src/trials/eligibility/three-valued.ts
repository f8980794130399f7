import type { EligibilityNode, LeafNode, TriState } from './types.ts';

/**
 * Kleene's strong three-valued logic (Kleene 1938; the same truth tables SQL uses for NULL):
 * AND is NOT_MET as soon as one operand is, OR is MET as soon as one operand is, and UNKNOWN
 * survives otherwise.
 */
export function and3(values: readonly TriState[]): TriState {
  let unknown = false;
  for (const v of values) {
    if (v === 'NOT_MET') return 'NOT_MET';
    if (v === 'UNKNOWN') unknown = true;
  }
  return unknown ? 'UNKNOWN' : 'MET';
}

/** Kleene disjunction: MET if any operand is MET, NOT_MET only if all are. */
export function or3(values: readonly TriState[]): TriState {
  let unknown = false;
  for (const v of values) {
    if (v === 'MET') return 'MET';
    if (v === 'UNKNOWN') unknown = true;
  }
  return unknown ? 'UNKNOWN' : 'NOT_MET';
}

/** Kleene negation: UNKNOWN stays UNKNOWN. */
export function not3(value: TriState): TriState {
  return value === 'MET' ? 'NOT_MET' : value === 'NOT_MET' ? 'MET' : 'UNKNOWN';
}

/** Folds a tree given the result of each leaf. */
export function evaluateTree(node: EligibilityNode, leaf: (node: LeafNode) => TriState): TriState {
  switch (node.op) {
    case 'and':
      return and3(node.children.map((c) => evaluateTree(c, leaf)));
    case 'or':
      return or3(node.children.map((c) => evaluateTree(c, leaf)));
    case 'not':
      return not3(evaluateTree(node.child, leaf));
    case 'leaf':
      return leaf(node);
  }
}

/** The leaves in reading order, each with whether it sits under an odd number of NOTs (an exclusion). */
export function leavesOf(node: EligibilityNode, negated = false): { leaf: LeafNode; exclusion: boolean }[] {
  switch (node.op) {
    case 'and':
    case 'or':
      return node.children.flatMap((c) => leavesOf(c, negated));
    case 'not':
      return leavesOf(node.child, !negated);
    case 'leaf':
      return [{ leaf: node, exclusion: negated }];
  }
}
