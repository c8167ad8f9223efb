import type { Db, Queryable } from '../db/db.js';
import { withAccount } from '../db/tenant.js';
import type { Role } from './roles.js';

export interface WorkspaceRow {
  id: string;
  public_id: string;
  name: string;
  require_mfa: boolean;
  created_at: Date;
}

export interface AccountWorkspaceRow {
  id: string;
  public_id: string;
  name: string;
  role: Role;
}

/** The workspaces an account belongs to, by name. */
export async function listForAccount(db: Db, accountId: string): Promise<AccountWorkspaceRow[]> {
  return withAccount(db, accountId, async (q) => {
    const { rows } = await q.query<AccountWorkspaceRow>(
      `SELECT w.id, w.public_id, w.name, m.role
         FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.account_id = $1 ORDER BY lower(w.name), w.id`,
      [accountId],
    );
    return rows;
  });
}

/** In the new workspace's tenant transaction: the workspace, its owner and default settings. */
export async function insertWorkspace(q: Queryable, w: { id: string; publicId: string; name: string; ownerId: string }): Promise<WorkspaceRow> {
  const { rows } = await q.query<WorkspaceRow>(
    'INSERT INTO workspaces (id, public_id, name) VALUES ($1, $2, $3) RETURNING id, public_id, name, require_mfa, created_at',
    [w.id, w.publicId, w.name],
  );
  await q.query("INSERT INTO memberships (workspace_id, account_id, role) VALUES ($1, $2, 'owner')", [w.id, w.ownerId]);
  await q.query('INSERT INTO widget_settings (workspace_id) VALUES ($1)', [w.id]);
  return rows[0]!;
}

export async function updateWorkspace(q: Queryable, id: string, patch: { name?: string | undefined; requireMfa?: boolean | undefined }): Promise<WorkspaceRow> {
  const { rows } = await q.query<WorkspaceRow>(
    `UPDATE workspaces SET name = coalesce($2, name), require_mfa = coalesce($3, require_mfa)
      WHERE id = $1 RETURNING id, public_id, name, require_mfa, created_at`,
    [id, patch.name ?? null, patch.requireMfa ?? null],
  );
  return rows[0]!;
}

/** Row counts of a workspace, table by table, before it is deleted: for the platform audit entry. */
export async function countRows(q: Queryable, id: string): Promise<Record<string, number>> {
  const { rows } = await q.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM memberships WHERE workspace_id = $1) AS memberships,
            (SELECT count(*)::int FROM invitations WHERE workspace_id = $1) AS invitations,
            (SELECT count(*)::int FROM visitors WHERE workspace_id = $1) AS visitors,
            (SELECT count(*)::int FROM conversations WHERE workspace_id = $1) AS conversations,
            (SELECT count(*)::int FROM messages WHERE workspace_id = $1) AS messages,
            (SELECT count(*)::int FROM api_keys WHERE workspace_id = $1) AS api_keys,
            (SELECT count(*)::int FROM provider_keys WHERE workspace_id = $1) AS provider_keys,
            (SELECT count(*)::int FROM audit_events WHERE workspace_id = $1) AS audit_events,
            (SELECT count(*)::int FROM knowledge_sources WHERE workspace_id = $1) AS knowledge_sources,
            (SELECT count(*)::int FROM knowledge_chunks WHERE workspace_id = $1) AS knowledge_chunks`,
    [id],
  );
  return rows[0]!;
}

/**
 * Deletes the workspace row; every other row of the workspace goes with it through
 * ON DELETE CASCADE (foreign keys run as the table owner, so the runtime role's
 * missing DELETE on audit_events does not stop them).
 */
export async function deleteWorkspace(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM workspaces WHERE id = $1', [id]);
  return rowCount === 1;
}

export async function insertPlatformEvent(q: Queryable, e: { actor: string; action: string; target: string; details: Record<string, unknown> }): Promise<void> {
  await q.query('INSERT INTO platform_audit_events (actor, action, target, details) VALUES ($1, $2, $3, $4)', [e.actor, e.action, e.target, JSON.stringify(e.details)]);
}
