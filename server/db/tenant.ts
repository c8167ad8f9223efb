import { RUNTIME_ROLE } from '../config.js';
import type { Db, Queryable, Tx } from './db.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Statements a tenant transaction may never run: changing role or session identity,
 * touching the tenant or row-security settings, or ending the transaction (which would
 * drop its transaction-local role). On PostgreSQL the database refuses most of these
 * anyway; on embedded PGlite the session is a superuser and this guard is what stands.
 */
const FORBIDDEN = [
  /\b(?:set|reset)\s+(?:local\s+|session\s+)?(?:role|session\s+authorization|row_security|app\.tenant_id|app\.public_id|app\.job)\b/i,
  /\bset_config\s*\(\s*'(?:role|session_authorization|row_security|app\.tenant_id|app\.public_id|app\.job)'/i,
  /^\s*(?:begin|commit|rollback|abort|end|start\s+transaction|savepoint|release|prepare\s+transaction|discard|reset\s+all)\b/i,
  /;\s*\S/, // one statement per call
];

/** A tenant query tried something only the db layer may do. A programming error, never user input. */
export class TenantGuardError extends Error {
  override name = 'TenantGuardError';
}

/**
 * Runs fn in a transaction as the runtime role with `app.tenant_id` set to workspaceId,
 * transaction-locally, so row-level security shows fn that workspace's rows and no other,
 * and nothing carries over to the next user of a pooled connection.
 */
export async function withTenant<T>(db: Db, workspaceId: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (!UUID.test(workspaceId)) throw new TypeError('withTenant: workspaceId must be a UUID');
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    await tx.query("SELECT set_config('app.tenant_id', $1, true)", [workspaceId]);
    return fn(guarded(tx));
  });
}

/**
 * Runs fn as the runtime role with no tenant: tenant tables show no rows. For the few
 * tables that are not per workspace (accounts, sessions, platform audit).
 */
export async function withoutTenant<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    return fn(guarded(tx));
  });
}

/**
 * The workspace a widget names by its public id, or undefined. Runs as the runtime
 * role with only `app.public_id` set, which shows that one workspaces row and no
 * other row of any table (migration 0002).
 */
export async function resolvePublicWorkspace(db: Db, publicId: string): Promise<{ id: string; name: string } | undefined> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    await tx.query("SELECT set_config('app.public_id', $1, true)", [publicId]);
    const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM workspaces WHERE public_id = $1', [publicId]);
    return rows[0];
  });
}

/** One workspace's retention period, as the retention job reads it. */
export interface RetentionPolicy {
  workspaceId: string;
  retentionDays: number;
}

/**
 * Every workspace with its retention days (the column default, 365, when it has no
 * settings row yet). Runs as the runtime role with only `app.job = 'retention'` set,
 * which shows the workspaces and widget_settings rows of all workspaces, read-only,
 * and no chat data (migration 0004); the deletions then run per workspace in withTenant.
 */
export async function listRetentionPolicies(db: Db): Promise<RetentionPolicy[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    await tx.query("SELECT set_config('app.job', 'retention', true)");
    const { rows } = await tx.query<RetentionPolicy>(
      `SELECT w.id AS "workspaceId", coalesce(s.retention_days, 365) AS "retentionDays"
         FROM workspaces w LEFT JOIN widget_settings s ON s.workspace_id = w.id
        ORDER BY w.created_at, w.id`,
    );
    return rows;
  });
}

function guarded(tx: Tx): Queryable {
  return {
    query(sql, params) {
      const text = sql.trim().replace(/;\s*$/, '');
      if (FORBIDDEN.some((re) => re.test(text))) {
        return Promise.reject(new TenantGuardError(`statement not allowed in a tenant transaction: ${text.slice(0, 60)}`));
      }
      return tx.query(text, params);
    },
  };
}
