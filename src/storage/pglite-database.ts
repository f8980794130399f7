import { PGlite } from '@electric-sql/pglite';
import type { Database, QueryResult, SqlClient } from './port.ts';

interface PgliteQueryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}

function wrap(q: PgliteQueryable): SqlClient {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const res = await q.query<T>(sql, [...params]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  };
}

/**
 * Opens PGlite (PostgreSQL compiled to WebAssembly). With a data directory the database
 * survives restarts; without one it lives in memory (tests).
 */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create(dataDir ? { dataDir } : {});
  const client = wrap(pg);
  return {
    kind: 'pglite',
    query: client.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}
