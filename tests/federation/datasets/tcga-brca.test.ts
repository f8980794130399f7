import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { rowOf } from '../../../src/federation/datasets/site-split.ts';
import { loadTcgaBrcaSites, TCGA_REGIONS } from '../../../src/federation/datasets/tcga-brca.ts';
import { parseCsv } from '../../../src/training/csv.ts';
import { TCGA_DIR } from '../../../src/training/tcga-brca.ts';

const { columns, sites } = loadTcgaBrcaSites();

describe('loadTcgaBrcaSites', () => {
  it("gives FLamby's published per-region sizes (248/63, 156/40, 164/42, 129/33, 129/33, 40/11; 866/222)", () => {
    assert.deepEqual(
      sites.map((s) => [s.index, s.name, s.train.rows, s.test.rows]),
      [
        [0, 'Northeast', 248, 63],
        [1, 'South', 156, 40],
        [2, 'West', 164, 42],
        [3, 'Midwest', 129, 33],
        [4, 'Europe', 129, 33],
        [5, 'Canada', 40, 11],
      ],
    );
    assert.equal(sites.reduce((n, s) => n + s.train.rows, 0), 866);
    assert.equal(sites.reduce((n, s) => n + s.test.rows, 0), 222);
  });

  it("puts each patient in the centre FLamby's fold2 column names (train_<i> / test_<i>)", () => {
    // fold2 is what FedTcgaBrca(center=i) selects on; the regions come from centers.csv instead, so this cross-checks them
    const fold2 = new Map(parseCsv(readFileSync(new URL('train_test_split.csv', TCGA_DIR), 'utf8')).slice(1).map((r) => [r[0]!, r[2]!]));
    for (const s of sites) {
      for (const pid of s.train.pids) assert.equal(fold2.get(pid), `train_${s.index}`, pid);
      for (const pid of s.test.pids) assert.equal(fold2.get(pid), `test_${s.index}`, pid);
    }
    // Midwest and Europe have the same sizes, so only the pid check above tells 3 from 4
    assert.deepEqual(TCGA_REGIONS.slice(3, 5), ['Midwest', 'Europe']);
  });

  it('carries the raw brca.csv row for a patient: 39 features, E and T, unnormalised as in FLamby', () => {
    const data = parseCsv(readFileSync(new URL('brca.csv', TCGA_DIR), 'utf8'));
    const first = data[1]!;
    const site = sites.find((s) => s.train.pids.includes(first[0]!) || s.test.pids.includes(first[0]!))!;
    const part = site.train.pids.includes(first[0]!) ? site.train : site.test;
    const r = part.pids.indexOf(first[0]!);
    assert.equal(columns.length, 39);
    assert.deepEqual(rowOf(part, r), first.slice(1, 40).map(Number));
    assert.deepEqual([part.event[r], part.time[r]], [Number(first[40]), Number(first[41])]);
  });
});
