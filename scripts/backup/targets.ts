import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { DataDirLockedError, lockDataDir } from '../../server/db/data-dir-lock.js';
import type { Queryable } from '../../server/db/db.js';
import { latestVersion, loadMigrations, migrate } from '../../server/db/migrate.js';
import { openPglite } from '../../server/db/pglite.js';
import { openPostgres } from '../../server/db/postgres.js';
import { BackupError } from './config.js';
import { loadIntoPglite } from './load-pglite.js';
import { CREATE_RUNTIME_ROLE, inspectPostgres, loadIntoPostgres } from './load-postgres.js';
import { assertRestorable, compareManifest, fingerprints, schemaVersionOf, tablesWithoutForcedRls, type Manifest } from './manifest.js';

/** Where a restore goes: checked before anything is fetched, loaded, then finished (migrated, checked) or abandoned. */
export interface Target {
  load(plaintext: Readable): Promise<Manifest>;
  finish(manifest: Manifest): Promise<{ rows: Record<string, number>; schemaVersion: number }>;
  abandon(): Promise<void>;
}

export async function preparePostgres(ownerUrl: string, force = false): Promise<Target> {
  const before = await inspectPostgres(ownerUrl);
  refuseUnlessEmpty(before.tables > 0, `the database in DATABASE_URL is not empty (${before.tables} tables, ${before.workspaces} workspaces, schema version ${before.schemaVersion})`, force);
  return {
    load: (plaintext) => loadIntoPostgres(ownerUrl, plaintext, { clear: before.tables > 0 }),
    finish: async (manifest) => {
      const db = openPostgres(ownerUrl, { max: 1, applicationName: 'parley-restore' });
      try {
        return await afterLoad(db, manifest, () => migrate(db));
      } finally {
        await db.close();
      }
    },
    abandon: async () => {},
  };
}

/**
 * The embedded database is restored into a new directory beside DATA_DIR/pglite and
 * renamed into place only once loaded and verified: a failed restore leaves the old
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
  const existing = existsSync(join(dir, 'PG_VERSION'));
  try {
    refuseUnlessEmpty(existing, `DATA_DIR already holds an embedded database (${dir})`, force);
  } catch (err) {
    unlock();
    throw err;
  }
  const staging = mkdtempSync(join(dirname(dir), `.${basename(dir)}-restore-`));
  let db: PGlite | undefined;
  let loading: Promise<Manifest> | undefined;
  const loadStaging = async (plaintext: Readable): Promise<Manifest> => {
    // Creating a database takes seconds: not for a file that fails in its first chunk.
    await once(plaintext, 'readable');
    db = await PGlite.create(staging);
    await db.exec(CREATE_RUNTIME_ROLE);
    const manifest = await loadIntoPglite(db, plaintext);
    assertRestorable(manifest);
    await db.exec("SET TimeZone = 'UTC'");
    compareManifest(manifest, await fingerprints(pgliteQueryable(db)));
    await db.close();
    db = undefined;
    return manifest;
  };
  return {
    load: (plaintext) => (loading = loadStaging(plaintext)),
    finish: async (manifest) => {
      const handle = await openPglite(staging);
      let result: { rows: Record<string, number>; schemaVersion: number };
      try {
        result = await afterLoad(handle, manifest, () => migrate(handle));
      } finally {
        await handle.close();
      }
      // The old database (if --force) goes, with the lock file in it; the new one takes its place.
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      unlock();
      return result;
    },
    abandon: async () => {
      // Let a loader that is still creating or filling the database stop before it goes.
      await Promise.race([loading?.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
      await db?.close().catch(() => {});
      rmSync(staging, { recursive: true, force: true });
      unlock();
    },
  };
}

function refuseUnlessEmpty(notEmpty: boolean, what: string, force: boolean): void {
  if (notEmpty && !force) throw new BackupError(`${what}; restoring would replace it: add --force to do that, or point DATABASE_URL/DATA_DIR at an empty database`);
}

/** Migrates an older backup forward, then checks the schema version and that tenant tables still force row-level security. */
async function afterLoad(q: Queryable, manifest: Manifest, runMigrations: () => Promise<unknown>): Promise<{ rows: Record<string, number>; schemaVersion: number }> {
  await runMigrations();
  const latest = latestVersion(loadMigrations());
  const version = await schemaVersionOf(q);
  if (version !== latest) throw new BackupError(`verification failed: schema version ${version} after the restore, expected ${latest}`);
  const open = await tablesWithoutForcedRls(q);
  if (open.length > 0) throw new BackupError(`verification failed: row-level security is not forced on ${open.join(', ')}`);
  const rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, fp]) => [t, Number(fp.split(':')[0])]));
  return { rows, schemaVersion: version };
}

function pgliteQueryable(db: PGlite): Queryable {
  return { query: async <R>(sql: string, params?: readonly unknown[]) => { const r = await db.query<R>(sql, params as unknown[]); return { rows: r.rows, rowCount: r.rows.length }; } };
}
