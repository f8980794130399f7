/**
 * CIViC molecular profiles (https://civic.readthedocs.io/en/latest/model/molecular_profiles.html):
 * variants joined by AND, OR and NOT, grouped with parentheses, e.g. `BCR::ABL1 Fusion AND ( ABL1
 * F317L OR ABL1 F317V )` or `MET Amplification AND NOT KRAS Mutation`. Each variant is a gene
 * followed by the variant's name. NOT binds tightest, then AND, then OR.
 */

/** A variant named in a profile: its gene (or fusion, `EML4::ALK`) and CIViC's name for it. */
export interface VariantLeaf {
  kind: 'variant';
  gene: string;
  name: string;
}

/** A profile as a tree: variants at the leaves, AND/OR with any number of operands, NOT with one. */
export type ProfileExpr<L extends { kind: 'variant' } = VariantLeaf> =
  | L
  | { kind: 'and'; operands: ProfileExpr<L>[] }
  | { kind: 'or'; operands: ProfileExpr<L>[] }
  | { kind: 'not'; operand: ProfileExpr<L> };

/** A profile name that does not parse; the message quotes it and says what is wrong. */
export class ProfileSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileSyntaxError';
  }
}

const OPERATORS = new Set(['AND', 'OR', 'NOT']);
type Token = { kind: 'op'; op: 'AND' | 'OR' | 'NOT' } | { kind: 'open' } | { kind: 'close' } | { kind: 'word'; text: string };

function count(s: string, c: string): number {
  return s.split(c).length - 1;
}

/**
 * Splits on spaces. A parenthesis groups only where an operand can start (`( ABL1 …`, `(ABL1 …`)
 * or where it closes more than the word opened (`F317V )`, `F317V)`); parentheses inside a variant's
 * name stay in it (`ALK Alternative Transcript (ATI)`, `MET Splice Site (c.3028G>A)`).
 */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const operandStarts = () => {
    const last = out[out.length - 1];
    return !last || last.kind === 'open' || (last.kind === 'op');
  };
  for (let word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    if (OPERATORS.has(word)) {
      out.push({ kind: 'op', op: word as 'AND' | 'OR' | 'NOT' });
      continue;
    }
    while (word.startsWith('(') && operandStarts()) {
      out.push({ kind: 'open' });
      word = word.slice(1);
    }
    let closes = 0;
    while (word.endsWith(')') && count(word, ')') > count(word, '(')) {
      closes++;
      word = word.slice(0, -1);
    }
    if (word !== '') {
      if (OPERATORS.has(word)) out.push({ kind: 'op', op: word as 'AND' | 'OR' | 'NOT' });
      else out.push({ kind: 'word', text: word });
    }
    for (let i = 0; i < closes; i++) out.push({ kind: 'close' });
  }
  return out;
}

/** Parses a profile name into an expression tree; throws ProfileSyntaxError saying what is wrong. */
export function parseProfile(text: string): ProfileExpr {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const fail = (message: string): never => {
    throw new ProfileSyntaxError(`${message} in profile "${text}"`);
  };

  const parseOr = (): ProfileExpr => {
    const operands = [parseAnd()];
    while (peek()?.kind === 'op' && (peek() as { op: string }).op === 'OR') {
      at++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? (operands[0] as ProfileExpr) : { kind: 'or', operands };
  };
  const parseAnd = (): ProfileExpr => {
    const operands = [parseUnary()];
    while (peek()?.kind === 'op' && (peek() as { op: string }).op === 'AND') {
      at++;
      operands.push(parseUnary());
    }
    return operands.length === 1 ? (operands[0] as ProfileExpr) : { kind: 'and', operands };
  };
  const parseUnary = (): ProfileExpr => {
    const t = peek();
    if (!t) return fail('an operand is missing at the end');
    if (t.kind === 'op') {
      if (t.op !== 'NOT') return fail(`${t.op} where a variant should be`);
      at++;
      return { kind: 'not', operand: parseUnary() };
    }
    if (t.kind === 'open') {
      at++;
      const inner = parseOr();
      if (peek()?.kind !== 'close') fail('a parenthesis is not closed');
      at++;
      return inner;
    }
    if (t.kind === 'close') return fail('a parenthesis closes with nothing in it');
    return parseLeaf();
  };
  const parseLeaf = (): VariantLeaf => {
    const words: string[] = [];
    while (peek()?.kind === 'word') words.push((tokens[at++] as { text: string }).text);
    const [gene, ...name] = words;
    if (!gene || name.length === 0) fail(`"${words.join(' ')}" names no variant after its gene`);
    return { kind: 'variant', gene: gene as string, name: name.join(' ') };
  };

  const tree = parseOr();
  const rest = peek();
  if (rest) fail(rest.kind === 'close' ? 'a parenthesis closes that was never opened' : 'an operator is missing between variants');
  return tree;
}

/** The variants a profile names, left to right. */
export function profileLeaves<L extends { kind: 'variant' }>(expr: ProfileExpr<L>): L[] {
  if (expr.kind === 'and' || expr.kind === 'or') return expr.operands.flatMap((e) => profileLeaves(e));
  if (expr.kind === 'not') return profileLeaves(expr.operand);
  return [expr as L];
}

/** Replaces each leaf (e.g. with its compiled matching rule), keeping the tree's shape. */
export function mapLeaves<A extends { kind: 'variant' }, B extends { kind: 'variant' }>(expr: ProfileExpr<A>, f: (leaf: A) => B): ProfileExpr<B> {
  if (expr.kind === 'and' || expr.kind === 'or') return { kind: expr.kind, operands: expr.operands.map((e) => mapLeaves(e, f)) };
  if (expr.kind === 'not') return { kind: 'not', operand: mapLeaves(expr.operand, f) };
  return f(expr as A);
}
