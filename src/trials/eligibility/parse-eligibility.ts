/**
 * Reads the CTML-like eligibility JSON into an EligibilityNode tree, with every problem located
 * (`match.and[2].clinical.age`). The shape follows MatchMiner's CTML match trees
 * (https://github.com/dfci/matchminer-api, `matchengine_v1/schema.py`): a node is one of
 * `{ and: [...] }`, `{ or: [...] }`, `{ not: node }`, `{ clinical: {...} }`, `{ genomic: {...} }`
 * or `{ fhirpath: { expression, description } }`. A clinical leaf with several fields is their AND.
 */
import { z } from 'zod';
import { badInput, type InputIssue } from '../../errors/domain-error.ts';
import { describeCriterion } from './criterion-text.ts';
import { ClinicalLeafSchema, FhirPathLeafSchema, GenomicLeafSchema, type ClinicalLeafInput } from './leaf-schemas.ts';
import type { ClinicalCriterion, Criterion, EligibilityNode } from './types.ts';

export const MAX_ELIGIBILITY_NODES = 500;
export const MAX_ELIGIBILITY_DEPTH = 16;

export const RESEARCH_STUDY_STATUSES = [
  'active', 'administratively-completed', 'approved', 'closed-to-accrual', 'closed-to-accrual-and-intervention', 'completed',
  'disapproved', 'in-review', 'temporarily-closed-to-accrual', 'temporarily-closed-to-accrual-and-intervention', 'withdrawn',
] as const;

const DocumentSchema = z.strictObject({
  trialId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'an NCT number or a FHIR id'),
  title: z.string().min(1).max(1000).optional(),
  status: z.enum(RESEARCH_STUDY_STATUSES).optional(),
  phase: z.string().max(100).optional(),
  conditions: z.array(z.string().min(1).max(200)).max(50).optional(),
  match: z.unknown(),
});

export interface EligibilityDocument {
  trialId: string;
  title?: string;
  status?: string;
  phase?: string;
  conditions?: string[];
  match: EligibilityNode;
}

function at(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** A leaf with its reading; ids are given once the whole tree is assembled (`assignLeafIds`). */
export function leaf(criterion: Criterion): EligibilityNode {
  return { op: 'leaf', id: '', text: describeCriterion(criterion), criterion };
}

/** One leaf per field, in the order the author wrote them (`keys`, the raw object's keys). */
function clinicalLeaves(input: ClinicalLeafInput, keys: readonly string[]): EligibilityNode[] {
  const out: ClinicalCriterion[] = [];
  for (const key of keys.filter((k): k is keyof ClinicalLeafInput => k in input)) {
    switch (key) {
      case 'age':
      case 'ecog':
      case 'priorLines':
      case 'tmb':
        out.push({ kind: key, range: input[key]! });
        break;
      case 'sex':
        out.push({ kind: 'sex', sex: input.sex! });
        break;
      case 'cancerType':
        out.push({ kind: 'cancerType', ...input.cancerType! });
        break;
      case 'stage': {
        const s = input.stage!;
        out.push({ kind: 'stage', groups: [...new Set(Array.isArray(s) ? s : [s])].sort((a, b) => a - b) });
        break;
      }
      case 'er':
      case 'pr':
      case 'her2':
        out.push({ kind: 'receptor', marker: key.toUpperCase() as 'ER' | 'PR' | 'HER2', status: input[key]! });
        break;
      case 'msi':
        out.push({ kind: 'msi', status: input.msi! });
        break;
    }
  }
  return out.map(leaf);
}

interface Walk {
  root: string;
  issues: InputIssue[];
  nodes: number;
}

const NODE_KEYS = ['and', 'or', 'not', 'clinical', 'genomic', 'fhirpath'];

function parseNode(raw: unknown, path: (string | number)[], walk: Walk, depth: number): EligibilityNode | undefined {
  const fail = (message: string, sub: (string | number)[] = []) => {
    walk.issues.push({ expression: at(walk.root, [...path, ...sub]), message });
    return undefined;
  };
  if (++walk.nodes > MAX_ELIGIBILITY_NODES) return walk.nodes === MAX_ELIGIBILITY_NODES + 1 ? fail(`more than ${MAX_ELIGIBILITY_NODES} nodes`) : undefined;
  if (depth > MAX_ELIGIBILITY_DEPTH) return fail(`nested deeper than ${MAX_ELIGIBILITY_DEPTH} levels`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(`expected an object with one of ${NODE_KEYS.join(', ')}`);
  const keys = Object.keys(raw);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined || !NODE_KEYS.includes(key)) {
    return fail(`a node has exactly one key, one of ${NODE_KEYS.join(', ')}; got ${keys.join(', ').slice(0, 80) || 'none'}`);
  }
  const value = (raw as Record<string, unknown>)[key];
  const sub = [...path, key];
  if (key === 'and' || key === 'or') {
    if (!Array.isArray(value) || value.length === 0) return fail('expected a non-empty list of nodes', [key]);
    const children = value.map((c, i) => parseNode(c, [...sub, i], walk, depth + 1));
    return children.every((c): c is EligibilityNode => c !== undefined) ? { op: key, children } : undefined;
  }
  if (key === 'not') {
    const child = parseNode(value, sub, walk, depth + 1);
    return child ? { op: 'not', child } : undefined;
  }
  const schema = key === 'clinical' ? ClinicalLeafSchema : key === 'genomic' ? GenomicLeafSchema : FhirPathLeafSchema;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const i of parsed.error.issues) walk.issues.push({ expression: at(walk.root, [...sub, ...i.path]), message: i.message });
    return undefined;
  }
  if (key === 'clinical') {
    const leaves = clinicalLeaves(parsed.data as ClinicalLeafInput, Object.keys(value as object));
    return leaves.length === 1 ? leaves[0] : { op: 'and', children: leaves };
  }
  if (key === 'genomic') {
    const g = parsed.data as z.infer<typeof GenomicLeafSchema>;
    return leaf({
      kind: 'genomic',
      gene: g.gene,
      category: g.variantCategory ?? 'mutation',
      wildtype: g.wildtype ?? false,
      ...(g.proteinChange ? { proteinChange: g.proteinChange } : {}),
      ...(g.exon !== undefined ? { exon: g.exon } : {}),
    });
  }
  const f = parsed.data as z.infer<typeof FhirPathLeafSchema>;
  return leaf({ kind: 'fhirpath', expression: f.expression, description: f.description });
}

/** Parses one match tree; issues are appended to `issues` and undefined returned on any problem. */
export function parseMatchTree(raw: unknown, root: string, issues: InputIssue[]): EligibilityNode | undefined {
  const walk: Walk = { root, issues, nodes: 0 };
  const node = parseNode(raw, [], walk, 0);
  return walk.issues.length === 0 ? node : undefined;
}

/** Parses and checks an eligibility document; throws BAD_INPUT listing every located problem. */
export function parseEligibilityDocument(json: unknown, root = 'eligibility'): EligibilityDocument {
  const doc = DocumentSchema.safeParse(json);
  const issues: InputIssue[] = [];
  if (!doc.success) {
    for (const i of doc.error.issues) issues.push({ expression: at(root, i.path), message: i.message });
    throw badInput('Eligibility rejected', issues);
  }
  if (doc.data.match === undefined) throw badInput('Eligibility rejected', [{ expression: `${root}.match`, message: 'required' }]);
  const match = parseMatchTree(doc.data.match, `${root}.match`, issues);
  if (!match) throw badInput(`Eligibility rejected: ${issues.length} problem${issues.length === 1 ? '' : 's'}`, issues);
  const { title, status, phase, conditions } = doc.data;
  return {
    trialId: doc.data.trialId,
    match,
    ...(title ? { title } : {}),
    ...(status ? { status } : {}),
    ...(phase ? { phase } : {}),
    ...(conditions ? { conditions } : {}),
  };
}

/** Numbers the leaves c1, c2, ... in reading order, so each criterion has a stable id within its trial. */
export function assignLeafIds(node: EligibilityNode): EligibilityNode {
  let n = 0;
  const walk = (x: EligibilityNode): EligibilityNode => {
    switch (x.op) {
      case 'and':
      case 'or':
        return { op: x.op, children: x.children.map(walk) };
      case 'not':
        return { op: 'not', child: walk(x.child) };
      case 'leaf':
        return { ...x, id: `c${++n}` };
    }
  };
  return walk(node);
}
