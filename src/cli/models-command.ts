import { createServices } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { loadShippedModels } from '../inference/model-registry.ts';
import { createLogger } from '../logging/logger.ts';
import { acquireLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Output } from './commands.ts';

export interface ModelsRollbackOptions {
  dataDir?: string;
  databaseUrl?: string;
}

/**
 * `sangam models rollback NAME`: takes the version of NAME that the site serves out of service and
 * serves the one before it again; a site started later keeps serving the restored version.
 */
export async function modelsRollbackCommand(name: string, options: ModelsRollbackOptions, io: Output): Promise<void> {
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  // the embedded store has one owner; a running site holds the lock and must be stopped first
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  try {
    const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
    const { models } = createServices({ config, db, logger: createLogger({ level: config.logLevel }) });
    try {
      await loadShippedModels(models);
      const { from, to } = await models.rollback(name);
      io.out(`${name}: rolled back from version ${from.version} to ${to.version} (sha256 ${to.sha256.slice(0, 12)}…)`);
    } finally {
      await models.close();
      await db.close();
    }
  } finally {
    lock?.release();
  }
}
