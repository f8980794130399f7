import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sangam, startServe } from '../helpers/cli.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sangam-cli-cohort-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('sangam cohort generate', () => {
  it('writes a cohort and reports it', async () => {
    const out = join(tempDir(), 'cohort');
    const res = await sangam(['cohort', 'generate', '--sites', '2', '--patients-per-site', '4', '--tiles-per-slide', '1', '--seed', '5', '--out', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Generated 2 sites/);
    assert.match(res.stdout, /in-west: \d+ patients, \d+ sequenced \(CSQ\), \d+ tiles/);
    assert.match(res.stdout, /SYNTHETIC DATA/);
    assert.deepEqual(readdirSync(out).sort(), ['in-south', 'in-west', 'manifest.json', 'truth.json']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.seed, 5);
    assert.equal(manifest.sites[0].patients, Math.round(4 * 1.2));
  });

  it('takes profiles by id, refuses a non-empty directory and bad numbers', async () => {
    const out = join(tempDir(), 'cohort');
    const ok = await sangam(['cohort', 'generate', '--profiles', 'eu-west', '--sites', '1', '--patients-per-site', '2', '--tiles-per-slide', '0', '--out', out]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(readdirSync(out).includes('eu-west'));
    const again = await sangam(['cohort', 'generate', '--sites', '1', '--patients-per-site', '2', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not empty/);
    const bad = await sangam(['cohort', 'generate', '--sites', 'many', '--out', join(tempDir(), 'x')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected a whole number, got "many"/);
    const unknown = await sangam(['cohort', 'generate', '--profiles', 'mars-base', '--out', join(tempDir(), 'y')]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown site profile "mars-base"/);
  });
});

describe('sangam serve --demo', () => {
  it('seeds the examples and one demo site once, when the store is empty', async () => {
    const dataDir = tempDir();
    const start = () => startServe(['--demo', '--data-dir', dataDir]);
    // development mode prints a clinician token; the API answers nobody without one
    const tokenOf = async (serving: { output(): string }) => {
      // the token line follows the URL lines, perhaps in a later chunk of the child's stdout
      for (let i = 0; i < 100; i++) {
        const m = /Authorization: Bearer (\S+)/.exec(serving.output());
        if (m) return m[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      return undefined;
    };
    let token: string | undefined;
    const query = async (url: string) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ patients(first: 1) { totalCount } patient(id: "in-west-0001") { clinical { primaryCancer { cancerType } } slides { id tileCount kept } } }' }),
      });
      return (await res.json()) as { data: { patients: { totalCount: number }; patient: { clinical: { primaryCancer: { cancerType: string } }; slides: { id: string; tileCount: number; kept: number }[] } } };
    };
    const first = await start();
    try {
      assert.match(first.output(), /Seeded 4 example patient records and 48 synthetic patients of demo site in-west, with \d+ VCFs and 384 H&E tiles/);
      const anonymous = await fetch(`${first.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ models { name } }"}' });
      assert.equal(anonymous.status, 401);
      token = await tokenOf(first);
      assert.ok(token, first.output());
      const body = await query(first.url);
      assert.equal(body.data.patients.totalCount, 52);
      assert.match(body.data.patient.clinical.primaryCancer.cancerType, /^(lung|colorectal|breast)$/);
      assert.deepEqual(body.data.patient.slides.map((s) => [s.id, s.tileCount]), [['in-west-0001-HE1', 8]]);
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      assert.doesNotMatch(second.output(), /Seeded/);
      // a new port is a new issuer (port 0 picks one), so the second run prints a token of its own
      token = await tokenOf(second);
      assert.ok(token);
      assert.equal((await query(second.url)).data.patients.totalCount, 52);
    } finally {
      await second.stop();
    }
  });
});
