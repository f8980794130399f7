import { createServices, type Services } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { loadShippedModels } from '../inference/model-registry.ts';
import { createLogger } from '../logging/logger.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Database } from '../storage/port.ts';

export interface LocalSiteOptions {
  dataDir?: string;
  databaseUrl?: string;
}

/**
 * Runs `work` against the site's store directly, with the shipped models loaded, for commands an
 * operator runs on the site's machine. A running site holding the data directory is its sole
 * writer: the command then points at its GraphQL API instead of opening the store under it.
 */
export async function withLocalSite<T>(options: LocalSiteOptions, work: (services: Services, db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env, { dataDir: options.dataDir, databaseUrl: options.databaseUrl, logLevel: 'warn' });
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder?.url) {
      throw new DomainError(
        ErrorCode.CONFLICT,
        `a site (pid ${holder.pid}) holds ${config.dataDir}; ask its GraphQL API at ${holder.url}/graphql with a token from \`sangam auth token\`, or stop it first`,
      );
    }
  }
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  const services = createServices({ config, db, logger: createLogger({ level: config.logLevel }) });
  try {
    await loadShippedModels(services.models);
    return await work(services, db);
  } finally {
    await services.pathology.close();
    await services.models.close();
    await db.close();
    lock?.release();
  }
}
