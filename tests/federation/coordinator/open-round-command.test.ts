/**
 * `sangam coordinator open-round` through the CLI functions: a round opened with the flags' settings
 * on the coordinator's store, and refusals of settings that do not make a round.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { coordinatorCommand } from '../../../src/cli/coordinator-command.ts';
import { readStatus } from '../../../src/cli/federation-command.ts';
import { generateIdentityKeys } from '../../../src/federation/protocol/identity-keys.ts';

describe('sangam coordinator open-round', () => {
  let dir: string;
  let out: string[] = [];
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void out.push(l) };
  const run = (args: string[]) => coordinatorCommand(io).parseAsync([...args, '--data-dir', dir], { from: 'user' });
  const open = (extra: string[]) => run(['open-round', '--federation', 'onco', '--lineage', 'response-synthetic', ...extra]);

  // the commands read DATABASE_URL as the CLI does; this test's coordinator lives in its own data directory
  const databaseUrl = process.env.DATABASE_URL;
  before(async () => {
    delete process.env.DATABASE_URL;
    dir = mkdtempSync(join(tmpdir(), 'sangam-open-round-'));
    await run(['init', '--federation', 'onco']);
    for (const site of ['in-west', 'in-south', 'us-northeast']) await run(['add-site', site, '--federation', 'onco', '--public-key', generateIdentityKeys().publicKey]);
    await run(['add-lineage', '--federation', 'onco', '--model', 'response-synthetic']);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (databaseUrl !== undefined) process.env.DATABASE_URL = databaseUrl;
  });

  it('refuses settings that do not make a round, before opening anything', async () => {
    await assert.rejects(open(['--dp-noise', '1.1']), /differential privacy needs both --dp-noise and --dp-clip/);
    await assert.rejects(open(['--secagg']), /--secagg needs --max-examples/);
    await assert.rejects(open(['--quorum', '4']), /needs 4 site\(s\) but federation onco has 3 active/);
    await assert.rejects(open(['--strategy', 'median', '--secagg', '--max-examples', '100']), /median/);
    await assert.rejects(run(['open-round', '--federation', 'onco', '--lineage', 'nothing']), /lineage nothing is not a lineage of federation onco/);
    const { status } = await readStatus({ dataDir: dir });
    assert.equal(status.rounds.length, 0);
  });

  it('opens a round with the given strategy, local work, DP, quorum and deadline', async () => {
    out = [];
    await open(['--round-id', 'r-1', '--strategy', 'fedprox', '--mu', '0.01', '--local-steps', '7', '--lr', '0.02', '--batch', '4', '--dp-noise', '1.1', '--dp-clip', '1', '--quorum', '2', '--target', '3', '--deadline', '90']);
    assert.equal(out[0], 'Round r-1 opened for response-synthetic in onco from version 0.');
    assert.equal(out[1], '  strategy fedprox; 7 local steps, lr 0.02, batch 4; DP-SGD σ 1.1, C 1');
    assert.match(out[2]!, /^ {2}invited 3 site\(s\): (in-south|in-west|us-northeast)(, (in-south|in-west|us-northeast)){2}; quorum 2, target 3; deadline /);
    const { status } = await readStatus({ dataDir: dir });
    const r = status.rounds[0]!;
    assert.deepEqual([r.id, r.state, r.strategy, r.quorum, r.target, r.invited], ['r-1', 'open', 'fedprox', 2, 3, 3]);
    // 90 s from opening to the deadline
    assert.equal(Date.parse(r.deadline) - Date.parse(r.openedAt), 90_000);
  });

  it('refuses a second live round in the same federation', async () => {
    await assert.rejects(open([]), /already has a live round, r-1/);
  });
});
