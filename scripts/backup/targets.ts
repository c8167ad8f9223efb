import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { DataDirLockedError, lockDataDir } from '../../server/db/data-dir-lock.js';
import { BackupError } from './config.js';
import { assertBypassesRls, connect } from './dump.js';
import type { BackupRecord } from './format.js';
import type { Manifest } from './manifest.js';
import { rebuild } from './rebuild.js';
import { pgliteSession, pgSession } from './session.js';

/** Where a restore goes: checked before anything is fetched, then rebuilt (committed only if every check passed) or abandoned. */
export interface Target {
  rebuild(manifest: Manifest, records: AsyncIterable<BackupRecord>): Promise<{ rows: Record<string, number>; schemaVersion: number }>;
  abandon(): Promise<void>;
}

/** What is in the target database before a restore. */
interface PostgresTarget {
  tables: number;
  workspaces: number;
  schemaVersion: number;
}

async function inspectPostgres(ownerUrl: string): Promise<PostgresTarget> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-restore' });
  await connect(client, 'DATABASE_URL');
  try {
    const q = pgSession(client);
    await assertBypassesRls(q, 'DATABASE_URL');
    const { rows } = await q.query<{ tables: number; migrations: boolean; workspaces: boolean }>(
      `SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables,
              to_regclass('public.schema_migrations') IS NOT NULL AS migrations, to_regclass('public.workspaces') IS NOT NULL AS workspaces`,
    );
    const r = rows[0]!;
    const count = async (sql: string) => Number((await q.query<{ n: number }>(sql)).rows[0]!.n);
    return {
      tables: r.tables,
      workspaces: r.workspaces ? await count('SELECT count(*)::int AS n FROM public.workspaces') : 0,
      schemaVersion: r.migrations ? await count('SELECT coalesce(max(version), 0)::int AS n FROM public.schema_migrations') : 0,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

// --force: everything in schema public goes, in the same transaction as the load.
const CLEAR_PUBLIC = `DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT viewname FROM pg_views WHERE schemaname = 'public' LOOP EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', r.viewname); END LOOP;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename); END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.sequencename); END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE 'DROP ROUTINE IF EXISTS ' || r.f::text || ' CASCADE';
  END LOOP;
END $$;`;

/**
 * PostgreSQL: one transaction from the first statement (clearing, with --force) to the
 * last check; only then COMMIT. A failure anywhere, or the process dying, rolls back all of it.
 */
export async function preparePostgres(ownerUrl: string, force = false): Promise<Target> {
  const before = await inspectPostgres(ownerUrl);
  refuseUnlessEmpty(before.tables > 0, `the database in DATABASE_URL is not empty (${before.tables} tables, ${before.workspaces} workspaces, schema version ${before.schemaVersion})`, force);
  return {
    rebuild: async (manifest, records) => {
      const client = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-restore' });
      await connect(client, 'DATABASE_URL');
      client.on('error', () => {}); // a dropped connection fails the query in progress, which reports it
      try {
        const s = pgSession(client);
        await s.exec(`BEGIN;\nSET LOCAL client_min_messages = warning;\n${before.tables > 0 ? CLEAR_PUBLIC : ''}`);
        const result = await rebuild(s, manifest, records);
        await s.exec('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        await client.end().catch(() => {});
      }
    },
    abandon: async () => {},
  };
}

/**
 * The embedded database is rebuilt in a new directory beside DATA_DIR/pglite and
 * renamed into place only once every check passed: a failed restore leaves the old
 * directory as it was. The data directory lock keeps a running server out meanwhile.
 */
export function preparePglite(dir: string, force = false): Target {
  mkdirSync(dir, { recursive: true });
  let unlock: () => void;
  try {
    unlock = lockDataDir(dir);
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new BackupError(`${err.message}: stop Parley before restoring into its embedded database`);
    throw err;
  }
  try {
    refuseUnlessEmpty(existsSync(join(dir, 'PG_VERSION')), `DATA_DIR already holds an embedded database (${dir})`, force);
  } catch (err) {
    unlock();
    throw err;
  }
  let staging: string | undefined;
  let db: PGlite | undefined;
  return {
    rebuild: async (manifest, records) => {
      staging = mkdtempSync(join(dirname(dir), `.${basename(dir)}-restore-`));
      db = await PGlite.create(staging, { extensions: { vector } });
      const s = pgliteSession(db);
      await s.exec('BEGIN');
      const result = await rebuild(s, manifest, records);
      await s.exec('COMMIT');
      await db.close();
      db = undefined;
      // The old database (if --force) goes, with the lock file in it; the new one takes its place.
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      staging = undefined;
      unlock();
      return result;
    },
    abandon: async () => {
      await db?.close().catch(() => {});
      if (staging) rmSync(staging, { recursive: true, force: true });
      unlock();
    },
  };
}

function refuseUnlessEmpty(notEmpty: boolean, what: string, force: boolean): void {
  if (notEmpty && !force) throw new BackupError(`${what}; restoring would replace it: add --force to do that, or point DATABASE_URL/DATA_DIR at an empty database`);
}
