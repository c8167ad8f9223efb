import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { RUNTIME_ROLE } from '../../server/config.js';
import { BackupError } from './config.js';
import { assertBypassesRls, connect, splitPassword } from './dump.js';
import { assertRestorable, fingerprintSql, parseManifest, queryable, type Manifest } from './manifest.js';
import { exited } from './rclone.js';

/** What is in the target database before a restore. */
export interface PostgresTarget {
  tables: number;
  workspaces: number;
  schemaVersion: number;
}

export async function inspectPostgres(ownerUrl: string): Promise<PostgresTarget> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'parley-restore' });
  await connect(client, 'DATABASE_URL');
  try {
    const q = queryable(client);
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

// Roles are cluster-wide and pg_dump does not write them: the grants in the dump need
// parley_app to exist, as migration 0001 creates it.
export const CREATE_RUNTIME_ROLE = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
    CREATE ROLE ${RUNTIME_ROLE} LOGIN NOINHERIT NOBYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
END $$;`;

// --force: everything in schema public goes, in the same transaction as the load.
const CLEAR_PUBLIC = `DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT viewname FROM pg_views WHERE schemaname = 'public' LOOP EXECUTE format('DROP VIEW IF EXISTS public.%I CASCADE', r.viewname); END LOOP;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', r.tablename); END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', r.sequencename); END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace LOOP EXECUTE 'DROP ROUTINE IF EXISTS ' || r.f::text || ' CASCADE'; END LOOP;
END $$;`;

/** A DO block that raises unless every table matches the manifest, run before COMMIT. */
function verifyBlock(m: Manifest): string {
  const checks = Object.entries(m.tables).map(([table, fp]) =>
    `  IF (${fingerprintSql(table)}) IS DISTINCT FROM '${fp}' THEN RAISE EXCEPTION 'verification failed: table ${table.replaceAll("'", "''")} differs from the backup'; END IF;`,
  );
  return `SET TimeZone = 'UTC';\nDO $verify$\nBEGIN\n${checks.join('\n')}\nEND $verify$;\n`;
}

/**
 * Feeds the dump to psql inside one transaction that we open and only we commit: after
 * the whole file decrypted and authenticated, and after every table matched the
 * manifest. If decryption fails halfway (a damaged or tampered file), psql is killed
 * with the transaction open, and PostgreSQL rolls all of it back.
 */
export async function loadIntoPostgres(ownerUrl: string, plaintext: Readable, options: { clear: boolean }): Promise<Manifest> {
  const { url, env } = splitPassword(ownerUrl);
  const psql = spawn(process.env.PSQL ?? 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--dbname', url], {
    env: { ...env, PGAPPNAME: 'parley-restore', PGOPTIONS: '-c client_min_messages=warning' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const done = exited(psql, 'psql');
  done.catch(() => {});
  const stdin = psql.stdin!;
  stdin.on('error', () => {}); // psql stopping on an error closes its input; done reports why
  const write = (chunk: string | Buffer) => new Promise<void>((resolve) => (stdin.write(chunk) ? resolve() : stdin.once('drain', resolve)));
  let psqlError: Error | undefined;
  const stopped = done.then(
    () => Promise.reject(new BackupError('psql exited before the restore was committed')),
    (e: Error) => Promise.reject((psqlError = e)),
  );
  stopped.catch(() => {});
  try {
    await write(`BEGIN;\n${options.clear ? CLEAR_PUBLIC : ''}\n${CREATE_RUNTIME_ROLE}\n`);
    let tail = '';
    for await (const chunk of plaintext) {
      const buf = chunk as Buffer;
      tail = (tail + buf.toString('utf8')).slice(-256 * 1024);
      await Promise.race([write(buf), stopped]);
    }
    const manifest = parseManifest(tail);
    if (!manifest) throw new BackupError('the file is not a Parley backup: it has no manifest line');
    assertRestorable(manifest);
    await write(`\n${verifyBlock(manifest)}COMMIT;\n`);
    stdin.end();
    await done;
    return manifest;
  } catch (err) {
    // psql's own error (a failed statement) explains more than the broken pipe it caused.
    const own = psqlError;
    psql.kill('SIGKILL');
    await done.catch(() => {});
    throw own ?? err;
  }
}
