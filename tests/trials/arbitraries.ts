import fc from 'fast-check';
import { describeCriterion } from '../../src/trials/eligibility/criterion-text.ts';
import type { Criterion, EligibilityNode } from '../../src/trials/eligibility/types.ts';

/**
 * Random criteria over the values the synthetic cohort holds (so that every answer, MET, NOT_MET
 * and UNKNOWN, actually occurs), and random and/or/not trees of them.
 */
const range = (lo: number, hi: number, integer: boolean) =>
  fc
    .tuple(fc.option(integer ? fc.integer({ min: lo, max: hi }) : fc.double({ min: lo, max: hi, noNaN: true }), { nil: undefined }), fc.option(integer ? fc.integer({ min: lo, max: hi }) : fc.double({ min: lo, max: hi, noNaN: true }), { nil: undefined }))
    .filter(([a, b]) => a !== undefined || b !== undefined)
    .map(([a, b]) => {
      const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
      return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    });

const GENES = ['EGFR', 'KRAS', 'BRAF', 'PIK3CA', 'TP53', 'ALK'];
const PROTEINS = ['p.L858R', 'p.E746_A750del', 'p.G12C', 'p.G12D', 'p.V600E', 'p.H1047R', 'p.R175H'];

export const criterionArb: fc.Arbitrary<Criterion> = fc.oneof(
  range(0, 100, true).map((r): Criterion => ({ kind: 'age', range: r })),
  fc.constantFrom('female', 'male').map((sex): Criterion => ({ kind: 'sex', sex: sex as 'female' | 'male' })),
  fc.record({ value: fc.constantFrom('breast', 'lung', 'colorectal', 'prostate'), negated: fc.boolean() }).map((x): Criterion => ({ kind: 'cancerType', value: x.value, meta: false, negated: x.negated })),
  fc.record({ value: fc.constantFrom('solid', 'liquid'), negated: fc.boolean() }).map((x): Criterion => ({ kind: 'cancerType', value: x.value, meta: true, negated: x.negated })),
  fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).map((g): Criterion => ({ kind: 'stage', groups: g.sort((a, b) => a - b) })),
  range(0, 4, true).map((r): Criterion => ({ kind: 'ecog', range: r })),
  range(0, 3, true).map((r): Criterion => ({ kind: 'priorLines', range: r })),
  fc.record({ marker: fc.constantFrom('ER', 'PR', 'HER2'), status: fc.constantFrom('positive', 'negative') }).map((x): Criterion => ({ kind: 'receptor', marker: x.marker as 'ER', status: x.status as 'positive' })),
  fc.constantFrom('MSI-H', 'MSS', 'MSI-L').map((s): Criterion => ({ kind: 'msi', status: s as 'MSS' })),
  range(0, 60, false).map((r): Criterion => ({ kind: 'tmb', range: r })),
  fc
    .record({
      gene: fc.constantFrom(...GENES),
      protein: fc.option(fc.constantFrom(...PROTEINS), { nil: undefined }),
      exon: fc.option(fc.constantFrom(2, 5, 15, 19, 21), { nil: undefined }),
      category: fc.constantFrom('mutation', 'mutation', 'mutation', 'any', 'amplification', 'fusion'),
      wildtype: fc.boolean(),
    })
    .map((x): Criterion =>
      x.wildtype
        ? { kind: 'genomic', gene: x.gene, category: 'mutation', wildtype: true }
        : {
            kind: 'genomic',
            gene: x.gene,
            category: x.category as 'mutation',
            wildtype: false,
            ...(x.protein && (x.category === 'mutation' || x.category === 'any') ? { proteinChange: x.protein } : {}),
            ...(x.exon !== undefined && (x.category === 'mutation' || x.category === 'any') ? { exon: x.exon } : {}),
          },
    ),
  fc.constant<Criterion>({ kind: 'fhirpath', expression: 'Patient.exists()', description: 'needs the record' }),
);

const leafArb = criterionArb.map((c): EligibilityNode => ({ op: 'leaf', id: '', text: describeCriterion(c), criterion: c }));

export const treeArb: fc.Arbitrary<EligibilityNode> = fc.letrec<{ node: EligibilityNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((children): EligibilityNode => ({ op: 'and', children })),
    fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((children): EligibilityNode => ({ op: 'or', children })),
    tie('node').map((child): EligibilityNode => ({ op: 'not', child })),
  ),
})).node;
