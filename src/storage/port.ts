/**
 * The storage port: one PostgreSQL dialect, two adapters (PGlite embedded, a PostgreSQL server).
 * Domain code only sees `query` and `transaction`.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface SqlClient {
  /** Runs one statement with `$1`-style parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends SqlClient {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: it commits if `fn` resolves and rolls back if it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
