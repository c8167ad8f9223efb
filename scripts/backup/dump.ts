import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Config } from '../../server/config.js';
import { DataDirLockedError, lockDataDir } from '../../server/db/data-dir-lock.js';
import type { Queryable } from '../../server/db/db.js';
import { loadMigrations, MIGRATIONS_TABLE } from '../../server/db/migrate.js';
import { BackupError } from './config.js';
import { fingerprints, listTables, manifestLine, queryable, quoteIdent, schemaVersionOf, type Manifest } from './manifest.js';
import { exited } from './rclone.js';

const COPY_BATCH_ROWS = 20_000;

/** The plaintext of a backup, chunk by chunk: a SQL script whose last line is the manifest. */
export function dumpDatabase(database: Config['database']): AsyncGenerator<Buffer> {
  return database.kind === 'postgres' ? dumpPostgres(database.ownerUrl) : dumpPglite(database.dir);
}

/** A URL without its password, and the password for PGPASSWORD: pg_dump's arguments are visible in ps. */
export function splitPassword(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.toString(), env: password ? { ...process.env, PGPASSWORD: password } : { ...process.env } };
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

/**
 * pg_dump in a snapshot exported by a REPEATABLE READ transaction, whose fingerprints
 * (manifest.ts) therefore describe exactly the rows dumped. Objects are written without
 * owners (the restoring role owns them, as the migrating role did) but with their
 * grants, so parley_app keeps exactly its privileges; policies and FORCE RLS are part
 * of the tables' definitions.
 */
async function* dumpPostgres(ownerUrl: string): AsyncGenerator<Buffer> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-backup' });
  await connect(client, 'DATABASE_URL');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const q = queryable(client);
    await assertBypassesRls(q, 'DATABASE_URL');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const { rows: exported } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    const snapshot = exported[0]!.snapshot;
    const manifest: Manifest = {
      format: 1, driver: 'postgres', schemaVersion: await schemaVersionOf(q), createdAt: new Date().toISOString(), tables: await fingerprints(q),
    };
    const { url, env } = splitPassword(ownerUrl);
    child = spawn(process.env.PG_DUMP ?? 'pg_dump', ['--format=plain', '--no-owner', `--snapshot=${snapshot}`, '--dbname', url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const done = exited(child, 'pg_dump');
    done.catch(() => {});
    yield Buffer.from(`-- Parley backup of a PostgreSQL database (pg_dump), schema version ${manifest.schemaVersion}, ${manifest.createdAt}\n`);
    for await (const chunk of child.stdout!) yield chunk as Buffer;
    await done;
    await client.query('COMMIT');
    yield Buffer.from(manifestLine(manifest));
  } finally {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await client.end().catch(() => {});
  }
}

/**
 * The embedded database has no pg_dump: the script replays the migrations its schema
 * was built from (so it also loads into PostgreSQL with psql), then COPY blocks in
 * foreign-key order, then sequence positions. PGlite is single-process and its
 * directory is locked by the running server, so the server must be stopped.
 */
async function* dumpPglite(dir: string): AsyncGenerator<Buffer> {
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
    db = await PGlite.create(dir);
    const q: Queryable = { query: async <R>(sql: string, params?: readonly unknown[]) => { const r = await db!.query<R>(sql, params as unknown[]); return { rows: r.rows, rowCount: r.rows.length }; } };
    await db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL TimeZone = 'UTC'");
    const version = await schemaVersionOf(q);
    const migrations = loadMigrations();
    const { rows: applied } = await q.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version');
    if (version > migrations.length) throw new BackupError(`the embedded database is at schema version ${version}, newer than this Parley (${migrations.length}): back it up with the Parley that migrated it`);
    for (const row of applied) {
      if (migrations[row.version - 1]?.checksum !== row.checksum) throw new BackupError(`migration ${row.version} was edited after it was applied; the schema cannot be replayed`);
    }
    const manifest: Manifest = { format: 1, driver: 'pglite', schemaVersion: version, createdAt: new Date().toISOString(), tables: await fingerprints(q) };

    yield Buffer.from([
      `-- Parley backup of the embedded database (PGlite), schema version ${version}, ${manifest.createdAt}`,
      "SET client_encoding = 'UTF8';",
      'SET standard_conforming_strings = on;',
      // The table migrate.ts creates; its rows are copied below with the rest.
      `CREATE TABLE ${MIGRATIONS_TABLE};`,
      '',
    ].join('\n'));
    for (const m of migrations.slice(0, version)) yield Buffer.from(`-- migration ${String(m.version).padStart(4, '0')}_${m.name}\n${m.sql}\n;\n`);

    for (const table of await listTables(q)) {
      const rows = Number(manifest.tables[table]!.split(':')[0]);
      const { rows: cols } = await q.query<{ name: string; pk: boolean }>(
        `SELECT a.attname AS name, coalesce(a.attnum = ANY (i.indkey), false) AS pk
           FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
          WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
          ORDER BY a.attnum`,
        [`public.${quoteIdent(table)}`],
      );
      const list = cols.map((c) => quoteIdent(c.name)).join(', ');
      const order = cols.filter((c) => c.pk).map((c) => quoteIdent(c.name)).join(', ') || list;
      yield Buffer.from(`COPY public.${quoteIdent(table)} (${list}) FROM stdin;\n`);
      for (let offset = 0; offset < rows; offset += COPY_BATCH_ROWS) {
        const r = await db.query(`COPY (SELECT ${list} FROM public.${quoteIdent(table)} ORDER BY ${order} LIMIT ${COPY_BATCH_ROWS} OFFSET ${offset}) TO '/dev/blob'`);
        if (r.blob) yield Buffer.from(await r.blob.arrayBuffer());
      }
      yield Buffer.from('\\.\n\n');
    }
    const { rows: sequences } = await q.query<{ name: string; last: string | null }>(
      "SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
    );
    for (const s of sequences) {
      if (s.last !== null) yield Buffer.from(`SELECT pg_catalog.setval('public.${quoteIdent(s.name).replaceAll("'", "''")}', ${s.last}, true);\n`);
    }
    await db.exec('COMMIT');
    yield Buffer.from(manifestLine(manifest));
  } finally {
    await db?.close().catch(() => {});
    unlock();
  }
}

export async function connect(client: pg.Client, variable: string): Promise<void> {
  try {
    await client.connect();
  } catch (err) {
    throw new BackupError(`${variable}: cannot connect (${(err as Error).message})`);
  }
}
