import pg from 'pg';
import type { Database, QueryResult, SqlClient } from './port.ts';

export interface PostgresOptions {
  connectionString: string;
  /** a schema to work in (created if missing); tests use one per suite to stay isolated */
  schema?: string;
  maxConnections?: number;
}

// count(*) and other int8 results come back as numbers, as PGlite returns them.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

function isSafeIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}

/** Opens a pool on a PostgreSQL server (DATABASE_URL). */
export async function openPostgresDatabase(options: PostgresOptions): Promise<Database> {
  const { schema } = options;
  if (schema !== undefined && !isSafeIdentifier(schema)) {
    throw new Error(`invalid schema name: ${schema}`);
  }
  if (schema) {
    const setup = new pg.Client({ connectionString: options.connectionString });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // an idle client that loses its connection is dropped by the pool; without a listener it would crash the process
  pool.on('error', () => undefined);
  const run = async <T>(c: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> => {
    const res = await c.query(sql, [...params]);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
  };
  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(c);
    } catch (err) {
      if ((err as { brokenConnection?: boolean }).brokenConnection) broken = err as Error;
      throw err;
    } finally {
      c.release(broken);
    }
  };
  return {
    kind: 'postgres',
    query: (sql, params) => withClient((c) => run(c, sql, params)),
    transaction: (fn) =>
      withClient(async (c) => {
        await c.query('BEGIN');
        const tx: SqlClient = { query: (sql, params) => run(c, sql, params) };
        try {
          const out = await fn(tx);
          await c.query('COMMIT');
          return out;
        } catch (err) {
          try {
            await c.query('ROLLBACK');
          } catch {
            // the connection is unusable: keep the original error and drop the client
            throw Object.assign(err as Error, { brokenConnection: true });
          }
          throw err;
        }
      }),
    exec: (sql) => withClient(async (c) => void (await c.query(sql))),
    close: () => pool.end(),
  };
}
