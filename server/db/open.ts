import { RUNTIME_ROLE, type Config } from '../config.js';
import { ensureVectorSchema } from '../knowledge/vector-schema.js';
import type { Db, Queryable } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/** A start-up problem with the database, explained in one line. */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}

/**
 * Opens the configured database, migrates it, checks the runtime role, and returns
 * the handle the application uses. On PostgreSQL the owner connection is used for
 * migrations only; the application then logs in as the runtime role, which cannot
 * switch back to the owner.
 */
export async function openDatabase(database: Config['database']): Promise<Db> {
  if (database.kind === 'pglite') {
    const db = await openPglite(database.dir);
    try {
      await migrate(db);
      await db.transaction(ensureVectorSchema);
      await assertRuntimeRole(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return db;
  }
  const owner = openPostgres(database.ownerUrl, { max: 1, applicationName: 'parley-migrate' });
  try {
    await migrate(owner);
    // Without pgvector this still succeeds; server.ts logs what is missing.
    await owner.transaction(ensureVectorSchema);
    await assertRuntimeRole(owner);
  } finally {
    await owner.close();
  }
  const runtime = openPostgres(database.runtimeUrl, { max: database.poolSize });
  try {
    await assertRuntimeSession(runtime);
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return runtime;
}

/**
 * The runtime role's attributes, owned objects and memberships, read as the owner.
 * Exported for tests, which check it inside a transaction they roll back: roles are
 * shared by every database of a PostgreSQL cluster.
 */
export async function assertRuntimeRole(q: Queryable): Promise<void> {
  const { rows } = await q.query<{ rolinherit: boolean; rolbypassrls: boolean; rolsuper: boolean; owned: number }>(
    `SELECT r.rolinherit, r.rolbypassrls, r.rolsuper,
            (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
       FROM pg_roles r WHERE r.rolname = $1`,
    [RUNTIME_ROLE],
  );
  const role = rows[0];
  if (!role) throw new DatabaseSetupError(`role ${RUNTIME_ROLE} is missing after migration`);
  if (role.rolsuper || role.rolbypassrls || role.rolinherit || role.owned > 0) {
    throw new DatabaseSetupError(
      `role ${RUNTIME_ROLE} must be NOSUPERUSER NOBYPASSRLS NOINHERIT and own nothing; fix it with: ALTER ROLE ${RUNTIME_ROLE} NOSUPERUSER NOBYPASSRLS NOINHERIT`,
    );
  }
  // NOINHERIT stops a member from using its roles' rights implicitly, not from SET ROLE to
  // them: a tenant query that got to run SET ROLE would leave row-level security behind.
  const { rows: memberOf } = await q.query<{ rolname: string }>(
    `SELECT g.rolname FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = $1 ORDER BY 1`,
    [RUNTIME_ROLE],
  );
  if (memberOf.length > 0) {
    const roles = memberOf.map((r) => quoteIdent(r.rolname)).join(', ');
    throw new DatabaseSetupError(`role ${RUNTIME_ROLE} must be a member of no other role, but is a member of ${roles}; fix it with: REVOKE ${roles} FROM ${RUNTIME_ROLE}`);
  }
}

const quoteIdent = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`);

async function assertRuntimeSession(db: Db): Promise<void> {
  let row: { user: string; super: boolean; bypass: boolean } | undefined;
  try {
    ({ rows: [row] } = await db.query<{ user: string; super: boolean; bypass: boolean }>(
      'SELECT session_user AS user, rolsuper AS super, rolbypassrls AS bypass FROM pg_roles WHERE rolname = session_user',
    ));
  } catch (err) {
    throw new DatabaseSetupError(
      `DATABASE_RUNTIME_URL: cannot connect as the runtime role (${(err as Error).message}); give ${RUNTIME_ROLE} a password and put it in DATABASE_RUNTIME_URL`,
    );
  }
  if (!row || row.super || row.bypass) {
    throw new DatabaseSetupError('DATABASE_RUNTIME_URL: must log in as a role without SUPERUSER or BYPASSRLS');
  }
}
