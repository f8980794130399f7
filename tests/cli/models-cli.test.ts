import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createServices } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { loadShippedModels } from '../../src/inference/model-registry.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { sangam, tempDirs } from '../helpers/cli.ts';

const tempDir = tempDirs('sangam-models-cli-');
const SHIPPED = new URL('../../models/prognosis-brca/1/', import.meta.url);

/** Opens a data directory's registry with the shipped models loaded, runs `fn`, closes everything. */
async function withRegistry<T>(dataDir: string, fn: (models: ReturnType<typeof createServices>['models']) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir });
  const { models } = createServices({ config: loadConfig({}, { env: 'test', dataDir }), db, logger: createLogger({ level: 'silent' }) });
  try {
    await loadShippedModels(models);
    return await fn(models);
  } finally {
    await models.close();
    await db.close();
  }
}

describe('sangam models rollback', () => {
  it('serves the previous version again, and a later start keeps serving it', async () => {
    const dataDir = tempDir();
    // a second version of prognosis-brca (same weights, new version number) as a rollout would install it
    const onnx = readFileSync(new URL('model.onnx', SHIPPED));
    const card = JSON.parse(readFileSync(new URL('card.json', SHIPPED), 'utf8'));
    await withRegistry(dataDir, async (models) => {
      await models.register(onnx, { ...card, version: '2' }, 'test rollout');
      assert.equal(models.active().find((c) => c.name === 'prognosis-brca')?.version, '2');
    });
    const res = await sangam(['models', 'rollback', 'prognosis-brca', '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /prognosis-brca: rolled back from version 2 to 1/);
    await withRegistry(dataDir, async (models) => {
      assert.equal(models.active().find((c) => c.name === 'prognosis-brca')?.version, '1');
      const history = await models.history('prognosis-brca');
      assert.ok(history.find((h) => h.version === '2')?.rolledBackAt);
    });
    const again = await sangam(['models', 'rollback', 'prognosis-brca', '--data-dir', dataDir]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /nothing to roll back to/);
  });
});
