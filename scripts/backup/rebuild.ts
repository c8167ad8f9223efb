import { latestVersion, loadMigrations, MIGRATIONS_TABLE, type Migration } from '../../server/db/migrate.js';
import { ensureVectorSchema } from '../../server/knowledge/vector-schema.js';
import { diffSnapshots, securitySnapshot } from './catalog.js';
import { BackupError } from './config.js';
import type { BackupRecord } from './format.js';
import { loadRows } from './load-rows.js';
import { assertRestorable, compareManifest, fingerprints, tablesWithoutForcedRls, type Manifest } from './manifest.js';
import { TEXT_SETTINGS, type Session } from './session.js';

/** How many differences an error message lists before "and N more". */
const SHOWN = 8;

/**
 * Builds the database inside the caller's transaction (or staging directory), which
 * commits only if this returns: the schema from this Parley's own migrations, never
 * from the file; the rows of a backup whose signature was already verified; then every
 * check. Refused: a backup whose migrations differ from ours, one made from a database
 * whose policies, grants, functions or triggers differed from what those migrations
 * create, rows that do not match the manifest, and any change the loading made to them.
 */
export async function rebuild(s: Session, manifest: Manifest, records: AsyncIterable<BackupRecord>): Promise<{ rows: Record<string, number>; schemaVersion: number }> {
  const migrations = loadMigrations();
  assertRestorable(manifest);
  assertSameMigrations(manifest, migrations);
  await s.exec(TEXT_SETTINGS);
  await s.exec(`CREATE TABLE ${MIGRATIONS_TABLE}`);
  await applyMigrations(s, migrations.slice(0, manifest.schemaVersion));
  // The embedding column, when this server has pgvector; outside the catalog compared below.
  await ensureVectorSchema(s);

  const built = await securitySnapshot(s);
  const drift = diffSnapshots(built, manifest.security);
  if (drift.length > 0) {
    throw new BackupError(`refused: the policies, grants, functions or triggers of the database this backup was made from differ from what the migrations create (+ only in the backed-up database, - only in the migrations'): ${summarise(drift)}. Restore an earlier backup, and find out who changed them`);
  }

  await loadRows(s, records);
  compareManifest(manifest, await fingerprints(s));
  const changed = diffSnapshots(built, await securitySnapshot(s));
  if (changed.length > 0) throw new BackupError(`verification failed: loading the rows changed policies, grants, functions or triggers: ${summarise(changed)}`);

  await applyMigrations(s, migrations.slice(manifest.schemaVersion));
  await ensureVectorSchema(s);
  const open = await tablesWithoutForcedRls(s);
  if (open.length > 0) throw new BackupError(`verification failed: row-level security is not forced on ${open.join(', ')}`);
  const rows = Object.fromEntries(Object.entries(manifest.tables).map(([t, fp]) => [t, Number(fp.split(':')[0])]));
  return { rows, schemaVersion: latestVersion(migrations) };
}

function assertSameMigrations(manifest: Manifest, migrations: readonly Migration[]): void {
  if (manifest.migrations.length !== manifest.schemaVersion) throw new BackupError(`the backup lists ${manifest.migrations.length} migrations for schema version ${manifest.schemaVersion}: refused`);
  for (const [i, m] of manifest.migrations.entries()) {
    const ours = migrations[i];
    if (!ours || m.version !== ours.version || m.name !== ours.name || m.checksum !== ours.checksum) {
      throw new BackupError(`migration ${m.version} (${String(m.name).slice(0, 60)}) of the backup differs from this Parley's: restore it with the Parley version that made it`);
    }
  }
}

/** Runs migrations in the caller's transaction and records them, as server/db/migrate.ts does. */
async function applyMigrations(s: Session, migrations: readonly Migration[]): Promise<void> {
  for (const m of migrations) {
    await s.exec(m.sql);
    await s.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
  }
}

function summarise(lines: string[]): string {
  const shown = lines.slice(0, SHOWN).map((l) => l.replace(/\s+/g, ' ').slice(0, 300)).join('; ');
  return lines.length > SHOWN ? `${shown}; and ${lines.length - SHOWN} more` : shown;
}
