#!/usr/bin/env node
// Runs every bench/*.bench.ts file in turn; each prints its figures as ratios against a baseline of the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const files = existsSync('bench') ? readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).sort() : [];
if (files.length === 0) console.log('no benchmarks yet');
let failed = 0;
for (const f of files) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
