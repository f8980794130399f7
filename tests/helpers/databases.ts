import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Database } from '../../src/storage/port.ts';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

/**
 * The adapters every storage-facing test runs on: PGlite always, and PostgreSQL whenever
 * DATABASE_URL is set (CI sets it). Each PostgreSQL database gets a fresh schema, dropped on close.
 */
export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: 'pglite', open: () => openDatabase({}) }];
  const url = process.env.DATABASE_URL;
  if (url) {
    list.push({
      name: 'postgres',
      open: async () => {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        const db = await openDatabase({ databaseUrl: url, schema });
        const close = db.close.bind(db);
        return Object.assign(db, {
          close: async () => {
            await db.exec(`DROP SCHEMA ${schema} CASCADE`);
            await close();
          },
        });
      },
    });
  }
  return list;
}
