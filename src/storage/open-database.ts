import { openPgliteDatabase } from './pglite-database.ts';
import { openPostgresDatabase } from './postgres-database.ts';
import { migrate } from './migrate.ts';
import type { Database } from './port.ts';

export interface OpenDatabaseOptions {
  /** a PostgreSQL server; when absent, PGlite is used */
  databaseUrl?: string;
  /** PGlite data directory; when absent (and no URL), an in-memory database */
  dataDir?: string;
  /** PostgreSQL schema to work in (tests) */
  schema?: string;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const db = options.databaseUrl
    ? await openPostgresDatabase({ connectionString: options.databaseUrl, ...(options.schema ? { schema: options.schema } : {}) })
    : await openPgliteDatabase(options.dataDir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
