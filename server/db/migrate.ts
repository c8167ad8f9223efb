import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db, Queryable } from './db.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Refusal to run against a database that a newer Parley has already migrated. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Refusal to run when a migration that was applied has been edited since. */
export class MigrationChangedError extends Error {
  override name = 'MigrationChangedError';
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** The bookkeeping table's definition; a restore (scripts/backup/rebuild.ts) creates it too. */
export const MIGRATIONS_TABLE = `schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  checksum    text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`;
// Any constant works; it only has to be the same in every Parley process.
const LOCK_KEY = 7_046_111_001;

/** Reads `NNNN_name.sql` files in version order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .map((file, index) => {
      const [, version, name] = FILE.exec(file)!;
      if (Number(version) !== index + 1) throw new Error(`migration ${file} is out of sequence: expected ${index + 1}`);
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return { version: Number(version), name: name!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so instances
 * starting together migrate once and a failed migration leaves nothing half-done.
 */
export async function migrate(db: Db, migrations: readonly Migration[] = loadMigrations()): Promise<{ applied: number[]; version: number }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}`);
    const { rows } = await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version');
    const known = latestVersion(migrations);
    const current = rows.at(-1)?.version ?? 0;
    if (current > known) {
      throw new SchemaTooNewError(`database schema is at version ${current}, but this Parley knows versions up to ${known}: run a newer Parley or restore a matching backup`);
    }
    for (const row of rows) {
      const migration = migrations[row.version - 1];
      if (migration && migration.checksum !== row.checksum) {
        throw new MigrationChangedError(`migration ${String(row.version).padStart(4, '0')}_${migration.name} was edited after it was applied; add a new migration instead`);
      }
    }
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
    }
    return { applied: pending.map((m) => m.version), version: Math.max(current, known) };
  });
}

export async function schemaVersion(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations');
  return rows[0]?.version ?? 0;
}
