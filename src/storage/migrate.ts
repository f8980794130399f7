import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from './port.ts';

/** Where the versioned SQL migrations live: `schema/migrations/NNN_name.sql`. */
export const MIGRATIONS_DIR = new URL('../../schema/migrations/', import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Reads the migration files in version order. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[a-z0-9_]+\.sql$/.test(f))
    .map((f) => ({
      version: Number(f.slice(0, f.indexOf('_'))),
      name: f.slice(f.indexOf('_') + 1, -4),
      sql: readFileSync(new URL(f, dir), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

// An arbitrary constant: the key of the advisory lock that serialises migrators on a shared server.
const MIGRATION_LOCK_KEY = 7_242_611;

/**
 * Applies the migrations that have not run yet, each in its own transaction, and returns the
 * versions it applied. Safe when several processes start at once against one server.
 */
export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  // creating the bookkeeping table races too when several processes start on an empty server
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migration (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const seen = await tx.query('SELECT 1 FROM schema_migration WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Splits a migration script on semicolons at line ends (migrations avoid `;` inside bodies). */
export function splitStatements(sql: string): string[] {
  return sql
    .replace(/^\s*--.*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
