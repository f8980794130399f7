import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isDomainError } from '../../src/errors/domain-error.ts';
import { DEFAULT_DATA_DIR, loadTherapyKnowledgeBase, type TherapyKnowledgeBase } from '../../src/therapy/knowledge-base.ts';

const EVIDENCE = 'civic_predictive_evidence.tsv';

let kb: TherapyKnowledgeBase;
before(() => {
  kb = loadTherapyKnowledgeBase();
});

describe('loading the shipped CIViC extract', () => {
  it('is versioned by its release date and holds the counts its README gives', () => {
    assert.equal(kb.version, 'civic-2026-05-29');
    // shared/data/civic/README.md: 2,844 predictive items (A 188, B 780, C 763, D 1,086, E 27), 830 with statements
    assert.equal(kb.items.length, 2844);
    assert.equal(kb.stats.statements, 830);
    const levels: Record<string, number> = {};
    for (const i of kb.items) levels[i.level] = (levels[i.level] ?? 0) + 1;
    assert.deepEqual(levels, { A: 188, B: 780, C: 763, D: 1086, E: 27 });
  });

  it('reads an item with its regimen, disease, citation and statement (EID 9851)', () => {
    const item = kb.items.find((i) => i.id === 9851);
    assert.ok(item);
    assert.equal(item.profileName, 'BRAF V600E');
    assert.deepEqual(item.disease, { name: 'Colorectal Cancer', doid: 'DOID:9256' });
    assert.deepEqual(item.regimens, [{ name: 'Cetuximab + Encorafenib', key: 'cetuximab + encorafenib', kind: 'combination', drugs: ['Cetuximab', 'Encorafenib'] }]);
    assert.equal(item.level, 'A');
    assert.equal(item.rating, 5);
    assert.deepEqual(item.citation, { source: 'PubMed', id: '31566309', url: 'https://pubmed.ncbi.nlm.nih.gov/31566309/' });
    assert.match(item.statement ?? '', /^The open-label phase 3 BEACON CRC trial included 665 patients/);
    assert.equal(item.url, 'https://civicdb.org/links/evidence_items/9851');
  });

  it('keeps therapy names that hold a comma whole (EIDs 1192 and 1153)', () => {
    assert.deepEqual(kb.items.find((i) => i.id === 1192)?.regimens.map((r) => r.name), ['2,4-pyrimidinediamine']);
    assert.deepEqual(kb.items.find((i) => i.id === 1153)?.regimens.map((r) => r.name), ['Gefitinib', 'Selumetinib', 'HER2 Inhibitor CP-724,714']);
  });
});

describe('a bad copy of the extract', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sangam-civic-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Copies the shipped data, rewrites lines of the evidence TSV, and (unless told not to) updates the manifest's checksum. */
  function copyWith(edit: (lines: string[]) => void, updateManifest = true): URL {
    const target = mkdtempSync(join(dir, 'data-'));
    cpSync(DEFAULT_DATA_DIR, target, { recursive: true });
    const tsv = join(target, 'civic', EVIDENCE);
    const lines = readFileSync(tsv, 'utf8').split('\n');
    edit(lines);
    writeFileSync(tsv, lines.join('\n'));
    if (updateManifest) {
      const manifestPath = join(target, 'civic', 'release.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      manifest.files.evidence.sha256 = createHash('sha256').update(readFileSync(tsv)).digest('hex');
      writeFileSync(manifestPath, JSON.stringify(manifest));
    }
    return pathToFileURL(`${target}/`);
  }

  function loadError(url: URL) {
    try {
      loadTherapyKnowledgeBase({ dir: url });
    } catch (err) {
      if (isDomainError(err)) return err;
      throw err;
    }
    assert.fail('the bad copy loaded');
  }

  it('names the line and column of a row with a bad level', () => {
    // line 42 is EID 90 (level D); its evidence_level column (the 12th) becomes Z
    const url = copyWith((lines) => {
      const cols = (lines[41] as string).split('\t');
      assert.equal(cols[0], '90');
      cols[11] = 'Z';
      lines[41] = cols.join('\t');
    });
    const err = loadError(url);
    assert.equal(err.code, 'BAD_INPUT');
    assert.deepEqual(
      err.issues.map((i) => [i.file, i.line, i.expression]),
      [[EVIDENCE, 42, 'evidence_level']],
    );
    assert.match(err.message, /line 42: evidence_level/);
  });

  it('names the line of a profile that does not parse and of a row cut short', () => {
    const url = copyWith((lines) => {
      const cols = (lines[99] as string).split('\t');
      cols[1] = 'EGFR L858R AND';
      lines[99] = cols.join('\t');
      lines[199] = (lines[199] as string).split('\t').slice(0, 10).join('\t');
    });
    const err = loadError(url);
    assert.deepEqual(
      err.issues.map((i) => [i.line, i.expression]),
      [[200, undefined], [100, 'molecular_profile']],
    );
    assert.match(err.issues[0]?.message ?? '', /10 fields where the header has 21/);
    assert.match(err.issues[1]?.message ?? '', /operand is missing/);
  });

  it('refuses an extract changed without its manifest', () => {
    const url = copyWith((lines) => {
      lines[41] = (lines[41] as string).replace('\tD\t', '\tA\t');
    }, false);
    const err = loadError(url);
    assert.match(err.message, /sha256 .* differs from civic\/release\.json/);
  });
});
