import type pg from 'pg';
import type { Queryable } from '../../server/db/db.js';
import { latestVersion, loadMigrations } from '../../server/db/migrate.js';
import { VECTOR_COLUMN, VECTOR_TABLE } from '../../server/knowledge/vector-schema.js';
import type { SecuritySnapshot } from './catalog.js';
import { BackupError } from './config.js';

/**
 * What a backup holds, signed (signing.ts) as its last line and checked by every
 * restore before one row is loaded and again before anything is committed.
 */
export interface Manifest {
  format: 2;
  driver: 'postgres' | 'pglite';
  schemaVersion: number;
  createdAt: string;
  /** The migrations the schema was built from: a restore rebuilds it from its own copies, which must match. */
  migrations: { version: number; name: string; checksum: string }[];
  /** Per table in schema public: `rows:checksum` (fingerprint()). */
  tables: Record<string, string>;
  /** Policies, grants, functions, triggers of the database backed up (catalog.ts). */
  security: SecuritySnapshot;
  /** Everything before the signed line. */
  plaintext: { bytes: number; sha256: string };
}

/** The manifest of a verified signed line; refuses anything not shaped like one this Parley writes. */
export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Partial<Manifest>;
  const ok = m.format === 2 && (m.driver === 'postgres' || m.driver === 'pglite') && Number.isInteger(m.schemaVersion)
    && typeof m.createdAt === 'string' && !Number.isNaN(Date.parse(m.createdAt)) && Array.isArray(m.migrations)
    && typeof m.tables === 'object' && m.tables !== null && typeof m.security === 'object' && m.security !== null
    && typeof m.plaintext?.sha256 === 'string' && Number.isInteger(m.plaintext.bytes);
  if (!ok) throw new BackupError(`the backup's manifest has format ${String(m.format)}; this Parley restores format 2`);
  return m as Manifest;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The SQL giving one table's fingerprint: its row count and an order-independent sum
 * of each row's md5, so it needs no sort and no memory however large the table.
 * Rows print timestamps in the session's TimeZone: callers set it to UTC. With columns,
 * only those are hashed, in that order (see fingerprintColumns); a name given as null
 * stands for a column this database lacks and hashes as NULL.
 */
export function fingerprintSql(table: string, columns?: readonly (string | null)[]): string {
  const row = columns ? `ROW(${columns.map((c) => (c === null ? 'NULL::text' : `t.${quoteIdent(c)}`)).join(', ')})` : 't';
  return `SELECT count(*)::text || ':' || coalesce(sum(('x' || substr(md5(${row}::text), 1, 15))::bit(60)::int8::numeric), 0)::text AS fp FROM public.${quoteIdent(table)} t`;
}

/** Columns a restore may find on one side only: the embedding, which needs pgvector. */
export const OPTIONAL_COLUMNS: Readonly<Record<string, string>> = { [VECTOR_TABLE]: VECTOR_COLUMN };

/**
 * Which columns a table's fingerprint covers; undefined for the whole row. Generated
 * columns are left out: they are computed again on load, and a tsvector computed by
 * another PostgreSQL version (PGlite is 18, a server may be 15) may stem differently.
 * The optional embedding column (pgvector) always counts, as NULL where it is missing,
 * so a backup from a database without pgvector matches its restore into one with it.
 */
export async function fingerprintColumns(q: Queryable, table: string): Promise<(string | null)[] | undefined> {
  const { rows } = await q.query<{ name: string; generated: boolean }>(
    `SELECT attname AS name, attgenerated <> '' AS generated FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [`public.${quoteIdent(table)}`],
  );
  const optional = OPTIONAL_COLUMNS[table];
  if (!optional && !rows.some((r) => r.generated)) return undefined;
  const stored = rows.filter((r) => !r.generated && r.name !== optional).map((r) => r.name).sort();
  return optional ? [...stored, rows.some((r) => r.name === optional) ? optional : null] : stored;
}

/** Tables of schema public, parents before children (foreign keys), so data loads in order. */
export async function listTables(q: Queryable): Promise<string[]> {
  const { rows: tables } = await q.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname",
  );
  const { rows: edges } = await q.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = 'public' AND k.conrelid <> k.confrelid`,
  );
  const ordered: string[] = [];
  const pending = new Set(tables.map((t) => t.name));
  while (pending.size > 0) {
    const ready = [...pending].filter((t) => !edges.some((e) => e.child === t && pending.has(e.parent)));
    if (ready.length === 0) throw new BackupError(`foreign keys form a cycle between ${[...pending].join(', ')}`);
    for (const t of ready) {
      ordered.push(t);
      pending.delete(t);
    }
  }
  return ordered;
}

/** Every public table's fingerprint, read in the caller's snapshot. */
export async function fingerprints(q: Queryable): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of await listTables(q)) {
    const { rows } = await q.query<{ fp: string }>(fingerprintSql(table, await fingerprintColumns(q, table)));
    result[table] = rows[0]!.fp;
  }
  return result;
}

export async function schemaVersionOf(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ exists: boolean }>("SELECT to_regclass('public.schema_migrations') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return 0;
  const { rows: v } = await q.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM public.schema_migrations');
  return v[0]?.version ?? 0;
}

/** Tables with a workspace_id column whose row-level security is not both enabled and forced. */
export async function tablesWithoutForcedRls(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** A pg client as the Queryable the rest of this folder uses. */
export function queryable(client: pg.Client | pg.PoolClient): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const r = await client.query(sql, params as unknown[] | undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
  };
}

/** Compares a restored database with its backup's manifest; throws naming the first table that differs. */
export function compareManifest(expected: Pick<Manifest, 'tables'>, actual: Record<string, string>): void {
  const extra = Object.keys(actual).filter((t) => expected.tables[t] === undefined);
  if (extra.length > 0) throw new BackupError(`verification failed: the backup does not have table ${extra.join(', ')}`);
  for (const [table, fp] of Object.entries(expected.tables)) {
    if (actual[table] === undefined) throw new BackupError(`verification failed: table ${table} is missing after the restore`);
    if (actual[table] !== fp) {
      throw new BackupError(`verification failed: table ${table} has ${actual[table].split(':')[0]} rows (checksum ${actual[table].split(':')[1]}), the backup ${fp.split(':')[0]} (checksum ${fp.split(':')[1]})`);
    }
  }
}

/** A backup from a newer Parley has a schema this code cannot run; refuse it before anything is committed. */
export function assertRestorable(m: Manifest): void {
  const latest = latestVersion(loadMigrations());
  if (m.schemaVersion > latest) {
    throw new BackupError(`the backup's schema is at version ${m.schemaVersion}, newer than this Parley's ${latest}: restore it with the Parley version that made it`);
  }
}
