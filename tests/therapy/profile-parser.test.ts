import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseTsv } from '../../src/therapy/tsv.ts';
import { parseProfile, profileLeaves, ProfileSyntaxError } from '../../src/therapy/profile-parser.ts';

const leaf = (gene: string, name: string) => ({ kind: 'variant', gene, name });

describe('molecular profile parser', () => {
  it('reads AND and OR between variants, each a gene and a name', () => {
    // profiles of CIViC EIDs 11599 and 11219
    assert.deepEqual(parseProfile('EGFR L858R AND EGFR T790M'), { kind: 'and', operands: [leaf('EGFR', 'L858R'), leaf('EGFR', 'T790M')] });
    assert.deepEqual(parseProfile('EGFR L858R OR EGFR Exon 19 Deletion'), {
      kind: 'or',
      operands: [leaf('EGFR', 'L858R'), leaf('EGFR', 'Exon 19 Deletion')],
    });
  });

  it('reads NOT, alone and after AND (EIDs 11158 and 1971)', () => {
    assert.deepEqual(parseProfile('NOT KIT D816V'), { kind: 'not', operand: leaf('KIT', 'D816V') });
    assert.deepEqual(parseProfile('MET Amplification AND NOT KRAS Mutation'), {
      kind: 'and',
      operands: [leaf('MET', 'Amplification'), { kind: 'not', operand: leaf('KRAS', 'Mutation') }],
    });
  });

  it("groups with CIViC's spaced parentheses and with unspaced ones", () => {
    const expected = {
      kind: 'and',
      operands: [leaf('BCR::ABL1', 'Fusion'), { kind: 'or', operands: [leaf('ABL1', 'F317L'), leaf('ABL1', 'F317V')] }],
    };
    assert.deepEqual(parseProfile('BCR::ABL1 Fusion AND ( ABL1 F317L OR ABL1 F317V )'), expected);
    assert.deepEqual(parseProfile('BCR::ABL1 Fusion AND (ABL1 F317L OR ABL1 F317V)'), expected);
  });

  it('keeps parentheses that belong to a variant name', () => {
    assert.deepEqual(parseProfile('ALK Alternative Transcript (ATI)'), leaf('ALK', 'Alternative Transcript (ATI)'));
    assert.deepEqual(parseProfile('MET Amplification AND MET Splice Site (c.3028G>A)'), {
      kind: 'and',
      operands: [leaf('MET', 'Amplification'), leaf('MET', 'Splice Site (c.3028G>A)')],
    });
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    assert.deepEqual(parseProfile('EGFR L858R OR EGFR T790M AND NOT EGFR C797S'), {
      kind: 'or',
      operands: [leaf('EGFR', 'L858R'), { kind: 'and', operands: [leaf('EGFR', 'T790M'), { kind: 'not', operand: leaf('EGFR', 'C797S') }] }],
    });
  });

  it('refuses malformed profiles with a reason', () => {
    for (const [text, why] of [
      ['EGFR L858R AND', /operand is missing/],
      ['EGFR', /names no variant/],
      ['( EGFR L858R', /not closed/],
      ['EGFR L858R )', /never opened/],
      ['AND EGFR L858R', /AND where a variant should be/],
      ['EGFR L858R OR OR EGFR T790M', /OR where a variant should be/],
    ] as const) {
      assert.throws(() => parseProfile(text), (err: unknown) => err instanceof ProfileSyntaxError && why.test(err.message), text);
    }
  });

  it('parses every profile of the shipped extract, and finds the 521 compound rows its README counts', () => {
    const table = parseTsv(readFileSync(new URL('../../src/therapy/data/civic/civic_predictive_evidence.tsv', import.meta.url), 'utf8'));
    const column = table.header.indexOf('molecular_profile');
    let compound = 0;
    for (const { values } of table.records) {
      const tree = parseProfile(values[column] as string);
      if (tree.kind !== 'variant') compound++;
    }
    assert.equal(table.records.length, 2844);
    assert.equal(compound, 521);
    assert.deepEqual(
      profileLeaves(parseProfile('EML4::ALK Fusion AND ALK L1198F AND ALK C1156Y')).map((l) => `${l.gene} ${l.name}`),
      ['EML4::ALK Fusion', 'ALK L1198F', 'ALK C1156Y'],
    );
  });
});
