/**
 * Opening a coordinator's store and identity key for the CLI. The embedded store (PGlite) has one
 * owner: while `sangam coordinator serve` runs on a data directory, the admin commands refuse it
 * with the running coordinator's address instead of opening it a second time (there is no admin
 * HTTP path: registering sites and lineages changes who may train, so it stays with whoever holds
 * the store). On PostgreSQL (`--database-url`) admin commands work beside a running coordinator.
 */
import { join } from 'node:path';
import { loadConfig } from '../config/config.ts';
import { DomainError, ErrorCode } from '../errors/domain-error.ts';
import { loadOrCreateKeyFile, type KeyFile } from '../federation/node/index.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { acquireLock, readLock } from '../storage/data-dir-lock.ts';
import { openDatabase } from '../storage/open-database.ts';
import type { Database } from '../storage/port.ts';

/** Where a coordinator keeps its store when no directory is given (apart from a site's ./.sangam). */
export const DEFAULT_COORDINATOR_DIR = './.sangam-coordinator';
/** The coordinator's Ed25519 key inside its data directory. */
export const COORDINATOR_KEY_FILE = 'coordinator-identity.pem';

export interface CoordinatorStoreOptions {
  dataDir?: string;
  databaseUrl?: string;
  keyFile?: string;
}

export interface CoordinatorStore {
  db: Database;
  key: KeyFile;
  logger: Logger;
  dataDir: string;
  /** a description for messages: the directory or PostgreSQL */
  description: string;
  /** records the running coordinator's URL in the lock, so `federation status --data-dir` finds it */
  announce(url: string): void;
  close(): Promise<void>;
}

/** Refuses, naming the running coordinator, when another process holds the embedded store. */
function refuseIfHeld(dataDir: string, command: string): void {
  const holder = readLock(dataDir);
  if (!holder) return;
  throw new DomainError(
    ErrorCode.CONFLICT,
    `a coordinator (process ${holder.pid}${holder.url ? `, serving ${holder.url}` : ''}) holds ${dataDir}; the embedded store has one owner, ` +
      `so stop it (SIGTERM) before \`sangam coordinator ${command}\`, or run the coordinator on PostgreSQL (--database-url), where admin commands work beside it`,
  );
}

/** Opens the coordinator's store (taking the data directory) and loads or creates its key. */
export async function openCoordinatorStore(options: CoordinatorStoreOptions, command: string, logLevel = 'warn'): Promise<CoordinatorStore> {
  const config = loadConfig(process.env, { dataDir: options.dataDir ?? DEFAULT_COORDINATOR_DIR, databaseUrl: options.databaseUrl, logLevel });
  const logger = createLogger({ level: config.logLevel });
  if (!config.databaseUrl) refuseIfHeld(config.dataDir, command);
  const lock = config.databaseUrl ? undefined : acquireLock(config.dataDir);
  try {
    const key = loadOrCreateKeyFile(options.keyFile ?? join(config.dataDir, COORDINATOR_KEY_FILE));
    const db = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
    return {
      db,
      key,
      logger,
      dataDir: config.dataDir,
      description: config.databaseUrl ? 'PostgreSQL at DATABASE_URL' : `embedded store in ${config.dataDir}`,
      announce: (url) => lock?.update({ url }),
      async close() {
        await db.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}
