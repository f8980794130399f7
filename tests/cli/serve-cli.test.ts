import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startSite } from '../../src/main.ts';
import { gql } from '../helpers/app.ts';
import { patientIds, sangam, startServe, tempDirs } from '../helpers/cli.ts';

const tempDir = tempDirs('sangam-serve-');

describe('sangam serve data directory', () => {
  it('keeps everything imported across a restart', async () => {
    const dataDir = tempDir();
    const config = loadConfig({}, { env: 'test', port: 0, dataDir });
    const logger = createLogger({ level: 'silent' });
    const first = await startSite(config, logger);
    const bundle = (await import('../helpers/fixtures.ts')).fixture('fhir/synthea-cancer-patient-86-transaction-bundle.json');
    const imported = await gql(first, 'mutation($b: JSON!) { importFhirBundle(bundle: $b) { patientIds } }', { b: bundle });
    assert.deepEqual(imported.body.data.importFhirBundle.patientIds, ['cancer-86']);
    await first.close();
    const second = await startSite(config, logger);
    try {
      const res = await gql(second, '{ patient(id: "cancer-86") { id resourceCounts { resourceType count } } }');
      const counts = Object.fromEntries(res.body.data.patient.resourceCounts.map((c: { resourceType: string; count: number }) => [c.resourceType, c.count]));
      assert.equal(counts.Observation, 65);
      assert.equal(counts.Encounter, 60);
    } finally {
      await second.close();
    }
  });

  it('refuses a second process on a held data directory, naming the holder', async () => {
    const dataDir = tempDir();
    const config = loadConfig({}, { env: 'test', port: 0, dataDir });
    const site = await startSite(config, createLogger({ level: 'silent' }));
    try {
      const res = await sangam(['serve', '--data-dir', dataDir, '--port', '0']);
      assert.equal(res.code, 1);
      assert.match(res.stderr, new RegExp(`in use by process ${process.pid} serving ${site.url.replace(/\./g, '\\.')}`));
    } finally {
      await site.close();
    }
  });

  it('serves until SIGTERM, then closes cleanly and frees the data directory', async () => {
    const dataDir = tempDir();
    const site = await startServe(['--data-dir', dataDir]);
    const ready = await fetch(`${site.url}/ready`);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'pglite' });
    assert.ok(existsSync(join(dataDir, 'sangam.lock')));
    assert.equal(await site.stop(), 0);
    assert.equal(existsSync(join(dataDir, 'sangam.lock')), false);
  });

  it('prints its version and help, and exits 2 on an unknown command', async () => {
    assert.match((await sangam(['--version'])).stdout, /^0\.1\.0$/m);
    const help = await sangam(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /serve .*\n.*import .*\n.*sync/s);
    const wrong = await sangam(['frobnicate']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /unknown command 'frobnicate'/);
  });

  it('fails at start-up naming a bad setting', async () => {
    const res = await sangam(['serve', '--port', 'eighty']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /configuration: invalid setting port \(environment variable PORT or its flag\)/);
  });
});
