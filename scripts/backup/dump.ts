import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import type { Config } from '../../server/config.js';
import { DataDirLockedError, lockDataDir } from '../../server/db/data-dir-lock.js';
import type { Queryable } from '../../server/db/db.js';
import { securitySnapshot } from './catalog.js';
import { BackupError } from './config.js';
import { HEADER_LINE, sequenceLine, tableLine } from './format.js';
import { fingerprints, quoteIdent, schemaVersionOf, type Manifest } from './manifest.js';
import { pgliteSession, pgSession, TEXT_SETTINGS, type Session } from './session.js';

// Rows per round trip: a few megabytes even when messages are long.
const FETCH_ROWS = 1_000;

/** The plaintext of a backup before its signed last line (format.ts), chunk by chunk; returns the manifest. */
export function dumpDatabase(database: Config['database']): AsyncGenerator<Buffer, UnsignedManifest> {
  return database.kind === 'postgres' ? dumpPostgres(database.ownerUrl) : dumpPglite(database.dir);
}

/** Superuser or BYPASSRLS: tenant tables FORCE row-level security, so anyone else reads (and loads) no rows. */
export async function assertBypassesRls(q: Queryable, variable: string): Promise<void> {
  const { rows } = await q.query<{ name: string; ok: boolean }>(
    'SELECT current_user AS name, rolsuper OR rolbypassrls AS ok FROM pg_roles WHERE rolname = current_user',
  );
  if (!rows[0]?.ok) {
    const name = rows[0]?.name ?? 'this role';
    throw new BackupError(`${variable}: role ${name} is subject to row-level security and would see no tenant rows; run as a superuser or ALTER ROLE ${name} BYPASSRLS`);
  }
}

/** The manifest as the dump knows it; the plaintext's size and hash are added while it is written. */
export type UnsignedManifest = Omit<Manifest, 'plaintext'>;

/**
 * One REPEATABLE READ READ ONLY transaction, so the fingerprints (manifest.ts) and the
 * security snapshot describe exactly the rows written.
 */
async function* dumpPostgres(ownerUrl: string): AsyncGenerator<Buffer, UnsignedManifest> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-backup' });
  await connect(client, 'DATABASE_URL');
  try {
    const s = pgSession(client);
    await assertBypassesRls(s, 'DATABASE_URL');
    await s.exec('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const manifest = yield* dumpRows(s, 'postgres');
    await s.exec('COMMIT');
    return manifest;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The embedded database is single-process and its directory is locked by the running
 * server, so the server must be stopped. Its rows are written exactly as PostgreSQL's.
 */
async function* dumpPglite(dir: string): AsyncGenerator<Buffer, UnsignedManifest> {
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new BackupError(`DATA_DIR: there is no embedded database in ${dir}`);
  let unlock: () => void;
  try {
    unlock = lockDataDir(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new BackupError(`${err.message}. The embedded database can only be backed up while Parley is stopped: stop it, run the backup, start it again (or use PostgreSQL for online backups)`);
    }
    throw err;
  }
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir, { extensions: { vector } });
    const s = pgliteSession(db);
    await s.exec('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const manifest = yield* dumpRows(s, 'pglite');
    await s.exec('COMMIT');
    return manifest;
  } finally {
    await db?.close().catch(() => {});
    unlock();
  }
}

/** Rows only, as JSON arrays of text (format.ts): the header, every table in foreign-key order, then sequence positions. */
async function* dumpRows(s: Session, driver: Manifest['driver']): AsyncGenerator<Buffer, UnsignedManifest> {
  await s.exec(TEXT_SETTINGS);
  const schemaVersion = await schemaVersionOf(s);
  const migrations = schemaVersion === 0 ? [] : (await s.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM public.schema_migrations ORDER BY version')).rows;
  const manifest: UnsignedManifest = {
    format: 2, driver, schemaVersion, createdAt: new Date().toISOString(), migrations, tables: await fingerprints(s), security: await securitySnapshot(s),
  };
  yield Buffer.from(HEADER_LINE);
  for (const table of Object.keys(manifest.tables)) {
    const columns = await columnsOf(s, table);
    yield Buffer.from(tableLine(table, columns));
    const values = columns.map((c) => `${quoteIdent(c)}::text`).join(', ');
    await s.exec(`DECLARE parley_dump NO SCROLL CURSOR FOR SELECT to_json(ARRAY[${values}])::text AS r FROM public.${quoteIdent(table)}`);
    for (;;) {
      const { rows } = await s.query<{ r: string }>(`FETCH ${FETCH_ROWS} FROM parley_dump`);
      if (rows.length > 0) yield Buffer.from(`${rows.map((r) => r.r).join('\n')}\n`);
      if (rows.length < FETCH_ROWS) break;
    }
    await s.exec('CLOSE parley_dump');
  }
  // last_value is also NULL for a sequence this role may not read: that must not pass for "never used".
  const { rows: sequences } = await s.query<{ name: string; last: string | null; readable: boolean }>(
    `SELECT sequencename AS name, last_value::text AS last, has_sequence_privilege(format('public.%I', sequencename), 'SELECT') AS readable
       FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
  );
  for (const q of sequences) {
    if (!q.readable) throw new BackupError(`DATABASE_URL: this role cannot read sequence ${q.name}; GRANT pg_read_all_data to it (docs/operations.md)`);
    if (q.last !== null) yield Buffer.from(sequenceLine(q.name, q.last));
  }
  return manifest;
}

/** A table's stored columns in order; generated ones are computed again on load. */
export async function columnsOf(q: Queryable, table: string): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [`public.${quoteIdent(table)}`],
  );
  return rows.map((r) => r.name);
}

export async function connect(client: pg.Client, variable: string): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(`${variable}: cannot connect (${(err as Error).message})`);
  }
}
