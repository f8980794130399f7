import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileProfile, matchProfile } from '../../src/therapy/profile-matching.ts';
import { indexVariants, type PatientVariant } from '../../src/therapy/variant-matching.ts';

const L858R: PatientVariant = { gene: 'EGFR', proteinChange: 'p.L858R', consequence: 'missense_variant', exon: '21/28' };
const T790M: PatientVariant = { gene: 'EGFR', proteinChange: 'p.T790M', consequence: 'missense_variant', exon: '20/28' };
const T315I: PatientVariant = { gene: 'ABL1', proteinChange: 'p.T315I', consequence: 'missense_variant' };
const KRAS_G12D: PatientVariant = { gene: 'KRAS', proteinChange: 'p.G12D', consequence: 'missense_variant', exon: '2/5' };
const KIT_D816V: PatientVariant = { gene: 'KIT', proteinChange: 'p.D816V', consequence: 'missense_variant' };

function match(profile: string, variants: PatientVariant[], tested: string[] = []) {
  return matchProfile(compileProfile(profile), indexVariants(variants, tested));
}

describe('profile matching in three-valued logic', () => {
  it('needs every operand of AND (EID 11599: EGFR L858R AND EGFR T790M)', () => {
    assert.equal(match('EGFR L858R AND EGFR T790M', [L858R]).status, 'NOT_MATCHED');
    assert.deepEqual(match('EGFR L858R AND EGFR T790M', [T790M, L858R]), { status: 'MATCHED', variants: [1, 0], unassessed: [] });
  });

  it('needs one operand of OR (EID 11219: EGFR L858R OR EGFR Exon 19 Deletion)', () => {
    const del: PatientVariant = { gene: 'EGFR', proteinChange: 'p.E746_A750del', consequence: 'inframe_deletion', exon: '19/28' };
    assert.deepEqual(match('EGFR L858R OR EGFR Exon 19 Deletion', [del]), { status: 'MATCHED', variants: [0], unassessed: [] });
    assert.equal(match('EGFR L858R OR EGFR Exon 19 Deletion', [KRAS_G12D]).status, 'NOT_MATCHED');
  });

  it('leaves a profile open when only its unshowable part is missing, and reports the part that matched', () => {
    const r = match('BCR::ABL1 Fusion AND ABL1 T315I', [T315I]);
    assert.equal(r.status, 'NOT_ASSESSABLE');
    assert.deepEqual(r.variants, [0]);
    assert.deepEqual(r.unassessed.map((u) => [u.gene, u.name]), [['BCR::ABL1', 'Fusion']]);
    // without T315I the AND is decided whatever the fusion
    assert.equal(match('BCR::ABL1 Fusion AND ABL1 T315I', [L858R]).status, 'NOT_MATCHED');
    // an OR with a matched operand is decided too
    assert.equal(match('EML4::ALK Fusion OR EGFR L858R', [L858R]).status, 'MATCHED');
  });

  it('assumes wild type only in a gene the assay tested (EID 1971: MET Amplification AND NOT KRAS Mutation)', () => {
    assert.equal(match('MET Amplification AND NOT KRAS Mutation', [KRAS_G12D]).status, 'NOT_MATCHED');
    assert.equal(match('NOT KIT D816V', [KIT_D816V], ['KIT']).status, 'NOT_MATCHED');
    assert.equal(match('NOT KIT D816V', [], ['KIT']).status, 'MATCHED');
    const untested = match('NOT KIT D816V', []);
    assert.equal(untested.status, 'NOT_ASSESSABLE');
    assert.match(untested.unassessed[0]?.reason ?? '', /wild type is not assumed/);
    assert.equal(match('KRAS Wildtype', [KRAS_G12D], ['KRAS']).status, 'NOT_MATCHED');
    assert.equal(match('KRAS Wildtype', [L858R], ['KRAS']).status, 'MATCHED');
    assert.equal(match('KRAS Wildtype', [L858R]).status, 'NOT_ASSESSABLE');
  });

  it('pushes NOT through AND and OR (De Morgan)', () => {
    // NOT (L858R AND T790M) with only L858R holds only if T790M's absence is trusted, i.e. EGFR was tested
    assert.equal(match('NOT ( EGFR L858R AND EGFR T790M )', [L858R]).status, 'NOT_ASSESSABLE');
    assert.equal(match('NOT ( EGFR L858R AND EGFR T790M )', [L858R], ['EGFR']).status, 'MATCHED');
    assert.equal(match('NOT ( EGFR L858R OR EGFR T790M )', [L858R]).status, 'NOT_MATCHED');
  });
});
