/**
 * The federation commands as an operator runs them: `coordinator init | add-site | add-lineage |
 * serve`, `site key`, `federation status`, and `serve --coordinator` (the participant inside a
 * serving site). The multi-process crash test is federation-multiprocess.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CoordinatorStatus } from '../../src/federation/coordinator/status.ts';
import { sangam, tempDirs } from '../helpers/cli.ts';

const BIN = new URL('../../bin/sangam.js', import.meta.url).pathname;
const tempDir = tempDirs('sangam-federation-cli-');

/** A long-running `sangam` process; `line` waits for a stdout match. */
function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    out: () => out,
    async line(pattern: RegExp, ms = 60_000): Promise<RegExpExecArray> {
      const end = Date.now() + ms;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > end) throw new Error(`no ${pattern} from sangam ${args.slice(0, 2).join(' ')}: ${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => (child.kill('SIGTERM'), exited),
  };
}

describe('sangam coordinator, site and federation commands', () => {
  let root: string;
  const coord = () => join(root, 'coord');
  const site = () => join(root, 'site');
  let siteKey: string;
  let coordinatorKey: string;
  const children: ReturnType<typeof start>[] = [];
  after(() => children.forEach((c) => c.child.exitCode === null && c.child.kill('SIGKILL')));

  before(async () => {
    root = tempDir();
    const gen = await sangam(['cohort', 'generate', '--sites', '1', '--patients-per-site', '16', '--tiles-per-slide', '0', '--seed', '3', '--out', join(root, 'cohort')]);
    assert.equal(gen.code, 0, gen.stderr);
    const imported = await sangam(['import', 'fhir', join(root, 'cohort', 'in-west', 'bundles'), '--data-dir', site()]);
    assert.equal(imported.code, 0, imported.stderr);
  });

  it('site key prints the same key every time, from a file only its owner can read', async () => {
    const first = await sangam(['site', 'key', '--data-dir', site()]);
    const second = await sangam(['site', 'key', '--data-dir', site()]);
    assert.equal(first.code, 0, first.stderr);
    siteKey = first.stdout.trim();
    assert.match(siteKey, /^[A-Za-z0-9+/]{43}=$/);
    assert.match(first.stderr, /created a new identity key/);
    assert.equal(second.stdout.trim(), siteKey);
    assert.equal(second.stderr, '');
    assert.equal(statSync(join(site(), 'federation-identity.pem')).mode & 0o777, 0o600);
  });

  it('init, add-site and add-lineage set up a federation, and refuse what does not fit', async () => {
    const init = await sangam(['coordinator', 'init', '--data-dir', coord(), '--federation', 'onco']);
    assert.equal(init.code, 0, init.stderr);
    coordinatorKey = /Coordinator public key: (\S+)/.exec(init.stdout)![1]!;
    const added = await sangam(['coordinator', 'add-site', 'in-west', '--data-dir', coord(), '--federation', 'onco', '--public-key', siteKey]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Site in-west registered in federation onco/);
    const again = await sangam(['coordinator', 'add-site', 'in-west', '--data-dir', coord(), '--federation', 'onco', '--public-key', siteKey]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already registered/);
    const badKey = await sangam(['coordinator', 'add-site', 'other', '--data-dir', coord(), '--federation', 'onco', '--public-key', 'not-a-key']);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /Ed25519 public key is 32 bytes/);
    const lineage = await sangam(['coordinator', 'add-lineage', '--data-dir', coord(), '--federation', 'onco', '--model', 'response-synthetic']);
    assert.equal(lineage.code, 0, lineage.stderr);
    assert.match(lineage.stdout, /Lineage response-synthetic starts from response-synthetic@1: 593 parameters \(mlp-35-16\), version 0/);
    const unknown = await sangam(['coordinator', 'add-lineage', '--data-dir', coord(), '--federation', 'onco', '--model', 'nothing-here']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no shipped model nothing-here/);
    const json = await sangam(['federation', 'status', '--data-dir', coord(), '--json']);
    const status = JSON.parse(json.stdout) as CoordinatorStatus;
    assert.deepEqual(status.rounds, []);
    assert.deepEqual(status.sites.map((s) => [s.siteId, s.status, s.lastSeenAt]), [['in-west', 'active', null]]);
  });

  it('a plan needs its lineage, and a participant its federation settings', async () => {
    const noLineage = await sangam(['coordinator', 'serve', '--data-dir', coord(), '--rounds', '1', '--federation', 'onco']);
    assert.equal(noLineage.code, 1);
    assert.match(noLineage.stderr, /needs --federation and --lineage/);
    const badPlan = join(root, 'plan.json');
    writeFileSync(badPlan, JSON.stringify({ federationId: 'onco', lineageId: 'response-synthetic', rounds: 0, round: {} }));
    const invalid = await sangam(['coordinator', 'serve', '--data-dir', coord(), '--plan', badPlan]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /invalid round plan: plan\.rounds/);
    const join_ = await sangam(['site', 'join', 'http://127.0.0.1:9', '--data-dir', site(), '--model', 'response-synthetic']);
    assert.equal(join_.code, 1);
    assert.match(join_.stderr, /needs --federation, --site, --coordinator-key/);
  });

  it('serve runs the plan; admin commands are refused while it holds the store; a serving site takes part and installs the version', { timeout: 180_000 }, async () => {
    const coordinator = start(['coordinator', 'serve', '--data-dir', coord(), '--port', '0', '--federation', 'onco', '--lineage', 'response-synthetic', '--rounds', '1', '--quorum', '1', '--local-steps', '5', '--lr', '0.05', '--batch', '8', '--deadline', '120', '--tick-ms', '200']);
    children.push(coordinator);
    const url = (await coordinator.line(/URL: +(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    assert.equal((await coordinator.line(/Public key: +(\S+)/))[1], coordinatorKey);
    await coordinator.line(/round 1 of 1 opened: \S+/);

    const refused = await sangam(['coordinator', 'add-site', 'late', '--data-dir', coord(), '--federation', 'onco', '--public-key', siteKey]);
    assert.equal(refused.code, 1);
    assert.ok(refused.stderr.includes(`serving ${url}) holds ${coord()}`), refused.stderr);
    assert.match(refused.stderr, /stop it \(SIGTERM\) before `sangam coordinator add-site`/);
    const viaApi = await sangam(['federation', 'status', '--data-dir', coord()]);
    assert.equal(viaApi.code, 0, viaApi.stderr);
    assert.match(viaApi.stdout, new RegExp(`Federation status from ${url}`));
    assert.match(viaApi.stdout, /open +fedavg +0 +1 +1 +0 +0→/);

    const serving = start(['serve', '--port', '0', '--data-dir', site(), '--coordinator', url, '--federation', 'onco', '--site', 'in-west', '--coordinator-key', coordinatorKey, '--model', 'response-synthetic', '--tolerance', '1', '--poll-interval', '0.3']);
    children.push(serving);
    await serving.line(/GraphQL: +http/);
    assert.match((await serving.line(/Federation: onco at \S+ as site in-west \(public key (\S+)\)/))[1]!, new RegExp(siteKey.replace(/[+/]/g, '\\$&')));
    await serving.line(/round \S+: update submitted \(\d+ examples\)/);
    await serving.line(/version 1 \(response-synthetic@2\): installed/);
    await coordinator.line(/plan done: 1 round\(s\) closed, 0 failed/);

    // the site serves the new version through its own API
    const res = await fetch(`${(await serving.line(/GraphQL: +(http:\/\/127\.0\.0\.1:\d+)/))[1]}/health`);
    assert.equal(res.status, 200);
    assert.equal(await serving.stop(), 0);
    assert.equal(await coordinator.stop(), 0);
    const served = await sangam(['federation', 'status', '--data-dir', coord()]);
    assert.match(served.stdout, new RegExp(`Federation status from ${coord()}`));
    assert.match(served.stdout, /closed +fedavg +1 +1 +1 +0 +0→1/);
  });
});
