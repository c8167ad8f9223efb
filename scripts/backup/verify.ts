import { randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runtimeUrlFor, type Config } from '../../server/config.js';
import { BackupError } from './config.js';
import { connect } from './dump.js';
import { runRestore, type RestoreResult } from './restore.js';

/**
 * The restore test an operator schedules: restores a backup into a scratch database of
 * the configured kind, verifies it as every restore does, and drops the scratch
 * database. The live database is only read from, never written.
 */
export async function runVerify(options: { database: Config['database']; source: string; identityFile: string; verifyKey: KeyObject; progress?: boolean }): Promise<RestoreResult> {
  return withScratchDatabase(options.database, (database) => runRestore({ ...options, database }));
}

/**
 * Runs fn with a new, empty database of the configured kind, dropped afterwards: a
 * PostgreSQL database beside DATABASE_URL's (the role needs CREATEDB), or a temporary
 * PGlite directory.
 */
export async function withScratchDatabase<T>(database: Config['database'], fn: (scratch: Config['database']) => Promise<T>): Promise<T> {
  if (database.kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-backup-scratch-'));
    try {
      return await fn({ kind: 'pglite', dir: join(dir, 'pglite') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ownerUrl = database.ownerUrl;
  const name = `parley_scratch_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-backup-verify' });
  await connect(admin, 'DATABASE_URL');
  try {
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } catch (err) {
      throw new BackupError(`DATABASE_URL: cannot create a scratch database (${(err as Error).message}); the role needs CREATEDB`);
    }
    const url = new URL(ownerUrl);
    url.pathname = `/${name}`;
    try {
      return await fn({ kind: 'postgres', ownerUrl: url.toString(), runtimeUrl: runtimeUrlFor(url.toString()) });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end().catch(() => {});
  }
}
