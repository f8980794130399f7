import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VariantCall } from '../../src/genomics/read-vcf.ts';
import type { StoredVariant } from '../../src/genomics/variant-store.ts';
import { indexVariants, matchRule, type PatientVariant } from '../../src/therapy/variant-matching.ts';
import { classifyVariant } from '../../src/therapy/variant-rules.ts';

// calls shaped as the genomics module reads them; coordinates and annotations from src/cohort/hotspots.ts
const EGFR_L858R: PatientVariant = { gene: 'EGFR', hgvsp: 'ENSP00000275493.2:p.Leu858Arg', consequence: 'missense_variant', terms: ['missense_variant'], exon: '21/28' };
const EGFR_EX19DEL: PatientVariant = { gene: 'EGFR', proteinChange: 'p.E746_A750del', consequence: 'inframe_deletion', terms: ['inframe_deletion'], exon: '19/28' };
const KRAS_G12D: PatientVariant = { gene: 'KRAS', proteinChange: 'p.G12D', consequence: 'missense_variant', exon: '2/5' };

// the genomics module's stored and freshly read calls are the matcher's input as they are (checked by tsc)
void ((v: StoredVariant): PatientVariant => v);
void ((v: VariantCall): PatientVariant => v);

function state(gene: string, name: string, variants: PatientVariant[], tested: string[] = []) {
  return matchRule(gene, classifyVariant(gene, name), indexVariants(variants, tested));
}

describe('classifying CIViC variant names', () => {
  it('reads protein changes, codons, exons and categories', () => {
    assert.deepEqual(classifyVariant('EGFR', 'L858R'), { kind: 'protein', changes: ['L858R'] });
    assert.deepEqual(classifyVariant('ERBB2', 'S310F/Y'), { kind: 'protein', changes: ['S310F', 'S310Y'] });
    assert.deepEqual(classifyVariant('BRAF', 'V600'), { kind: 'codon', codons: [{ ref: 'V', position: 600 }] });
    assert.deepEqual(classifyVariant('KRAS', 'G12/G13'), { kind: 'codon', codons: [{ ref: 'G', position: 12 }, { ref: 'G', position: 13 }] });
    assert.deepEqual(classifyVariant('EGFR', 'Exon 19 Deletion'), { kind: 'exon', exons: [19], change: 'deletion' });
    assert.deepEqual(classifyVariant('EGFR', 'Exon 20 Insertion'), { kind: 'exon', exons: [20], change: 'insertion' });
    assert.deepEqual(classifyVariant('KRAS', 'Exon 2 Mutation'), { kind: 'exon', exons: [2], change: 'any' });
    assert.deepEqual(classifyVariant('MET', 'Exon 14 Skipping Mutation'), { kind: 'exonSkipping', exon: 14 });
    assert.deepEqual(classifyVariant('KRAS', 'Mutation'), { kind: 'gene', negated: false });
    assert.deepEqual(classifyVariant('KRAS', 'Wildtype'), { kind: 'gene', negated: true });
    assert.deepEqual(classifyVariant('NPM1', 'W288FS'), { kind: 'frameshift', ref: 'W', position: 288 });
    assert.deepEqual(classifyVariant('VHL', 'R200W (c.598C>T)'), { kind: 'protein', changes: ['R200W'] });
    assert.deepEqual(classifyVariant('MET', 'Splice Site (c.3028G>A)'), { kind: 'coding', hgvsc: 'c.3028G>A' });
    assert.deepEqual(classifyVariant('BRCA1', 'Loss-of-function'), { kind: 'lossOfFunction' });
    assert.deepEqual(classifyVariant('ERBB2', 'Activating Mutation'), { kind: 'functional', label: 'Activating Mutation' });
  });

  it("writes CIViC's indel names the way VEP's HGVSp shortens", () => {
    assert.deepEqual(classifyVariant('EGFR', 'A767_V769dupASV'), { kind: 'protein', changes: ['A767_V769DUP'] });
    assert.deepEqual(classifyVariant('EGFR', 'E746_T751>I'), { kind: 'protein', changes: ['E746_T751DELINSI'] });
    assert.deepEqual(classifyVariant('KIT', 'P551_E554delPMYE'), { kind: 'protein', changes: ['P551_E554DEL'] });
    assert.deepEqual(classifyVariant('ERBB2', 'M774DELINSWLV'), { kind: 'protein', changes: ['M774DELINSWLV'] });
  });

  it('marks what a VCF of small variants cannot show', () => {
    for (const [gene, name, category] of [
      ['ERBB2', 'Amplification', 'amplification'],
      ['EML4::ALK', 'Fusion', 'fusion or rearrangement'],
      ['EGFR::RAD51', 'e24::e4', 'fusion or rearrangement'],
      ['EGFR', 'VIII', 'fusion or rearrangement'],
      ['CD274', 'Expression', 'expression'],
      ['EGFR', 'Exon 18 Overexpression', 'expression'],
      ['PTEN', 'Loss', 'copy-number loss or large deletion'],
      ['ALK', 'Exon 2-18 Deletion', 'copy-number loss or large deletion'],
      ['MGMT', 'Promoter Methylation', 'methylation'],
      ['ERBB4', 'NUCLEAR TRANSLOCATION', 'protein state'],
      ['TMB', 'High', 'signature'],
      ['DPYD', 'DPYD*2A HOMOZYGOSITY', 'germline genotype'],
      ['FLT3', 'ITD', 'other'],
    ] as const) {
      assert.deepEqual(classifyVariant(gene, name), { kind: 'notAssessable', category }, `${gene} ${name}`);
    }
  });
});

describe('matching a rule against calls', () => {
  it('matches an exact protein change from the short form or from HGVSp', () => {
    assert.equal(state('EGFR', 'L858R', [EGFR_L858R]).state, 'present');
    assert.deepEqual(state('EGFR', 'E746_A750del', [EGFR_L858R, EGFR_EX19DEL]).variants, [1]);
    assert.equal(state('EGFR', 'T790M', [EGFR_L858R]).state, 'absent');
  });

  it('matches an exon deletion by the call’s exon and in-frame deletion', () => {
    assert.deepEqual(state('EGFR', 'Exon 19 Deletion', [EGFR_L858R, EGFR_EX19DEL]), { state: 'present', variants: [1] });
    assert.equal(state('EGFR', 'Exon 19 Deletion', [{ ...EGFR_EX19DEL, exon: '20/28' }]).state, 'absent');
    // a missense change in exon 19 is not a deletion
    assert.equal(state('EGFR', 'Exon 19 Deletion', [{ gene: 'EGFR', proteinChange: 'p.L747P', consequence: 'missense_variant', exon: '19/28' }]).state, 'absent');
    // snpEff's name for the same consequence
    assert.equal(state('EGFR', 'Exon 19 Deletion', [{ ...EGFR_EX19DEL, terms: ['disruptive_inframe_deletion'] }]).state, 'present');
    const noExon = state('EGFR', 'Exon 19 Deletion', [{ ...EGFR_EX19DEL, exon: null }]);
    assert.equal(noExon.state, 'unknown');
    assert.match(noExon.reason ?? '', /no exon/);
  });

  it('matches an exon insertion, counting a duplication as VEP does', () => {
    const ins: PatientVariant = { gene: 'EGFR', proteinChange: 'p.A767_V769dup', consequence: 'inframe_insertion', exon: '20/28' };
    assert.equal(state('EGFR', 'Exon 20 Insertion', [ins]).state, 'present');
    assert.equal(state('EGFR', 'A767_V769dupASV', [ins]).state, 'present');
  });

  it('matches a codon by any change there, but not a synonymous one', () => {
    assert.deepEqual(state('KRAS', 'G12', [KRAS_G12D]), { state: 'present', variants: [0] });
    assert.equal(state('KRAS', 'G13', [KRAS_G12D]).state, 'absent');
    assert.equal(state('KRAS', 'G12/G13', [KRAS_G12D]).state, 'present');
    assert.equal(state('BRAF', 'V600', [{ gene: 'BRAF', proteinChange: 'p.V600_K601delinsE', consequence: 'protein_altering_variant' }]).state, 'present');
    assert.equal(state('KRAS', 'G12', [{ gene: 'KRAS', proteinChange: 'p.G12=', consequence: 'synonymous_variant' }]).state, 'absent');
  });

  it('matches gene-level Mutation by any protein-altering call', () => {
    assert.equal(state('KRAS', 'Mutation', [KRAS_G12D]).state, 'present');
    assert.equal(state('KRAS', 'Mutation', [{ gene: 'KRAS', consequence: 'intron_variant' }]).state, 'absent');
    assert.equal(state('NRAS', 'Mutation', [KRAS_G12D]).state, 'absent');
  });

  it('never reports an amplification or a fusion as absent', () => {
    for (const [gene, name] of [['ERBB2', 'Amplification'], ['EML4::ALK', 'Fusion'], ['CD274', 'Expression']] as const) {
      const r = state(gene, name, []);
      assert.equal(r.state, 'unknown', name);
      assert.match(r.reason ?? '', /not shown by a VCF/);
    }
  });

  it('says unknown when calls lack the annotation needed to rule a variant out', () => {
    // a call with no consequence could be anything in any gene
    assert.equal(state('KRAS', 'Mutation', [{ gene: 'TP53' }]).state, 'unknown');
    // a protein-altering call without HGVSp might be the named change
    assert.equal(state('EGFR', 'L858R', [{ gene: 'EGFR', consequence: 'missense_variant' }]).state, 'unknown');
  });

  it('sees loss of function in a truncating call and leaves its absence open', () => {
    assert.equal(state('BRCA2', 'Loss-of-function', [{ gene: 'BRCA2', proteinChange: 'p.K3326*', consequence: 'stop_gained' }]).state, 'present');
    assert.equal(state('BRCA2', 'Loss-of-function', []).state, 'unknown');
  });

  it('leaves a functional class open when a protein-altering call might be one', () => {
    const r = state('ERBB2', 'Activating Mutation', [{ gene: 'ERBB2', proteinChange: 'p.S310F', consequence: 'missense_variant' }]);
    assert.deepEqual([r.state, r.variants], ['unknown', [0]]);
    assert.equal(state('ERBB2', 'Activating Mutation', []).state, 'absent');
  });
});
