import { randomBytes, randomUUID } from 'node:crypto';
import { changedFields, recordAudit, type AuditActor } from '../audit/audit.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import { assertRole, type WorkspaceContext } from './workspace-context.js';
import * as repo from './workspaces.repo.js';

export interface Workspace {
  id: string;
  publicId: string;
  name: string;
  requireMfa: boolean;
  createdAt: Date;
}

const toWorkspace = (row: repo.WorkspaceRow): Workspace => ({
  id: row.id,
  publicId: row.public_id,
  name: row.name,
  requireMfa: row.require_mfa,
  createdAt: row.created_at,
});

export function listWorkspaces(db: Db, accountId: string) {
  return repo.listForAccount(db, accountId);
}

/** A new workspace with the creator as its owner, default widget settings and an audit entry. */
export async function createWorkspace(db: Db, actor: AuditActor & { accountId: string }, name: string): Promise<Workspace> {
  const id = randomUUID();
  // The id sites embed: not the primary key, so it reveals nothing and could be rotated.
  const publicId = `wk_${randomBytes(12).toString('base64url')}`;
  return withTenant(db, id, async (q) => {
    const row = await repo.insertWorkspace(q, { id, publicId, name, ownerId: actor.accountId });
    await recordAudit(q, id, actor, { action: 'workspace.created', targetType: 'workspace', targetId: id, after: { name } });
    return toWorkspace(row);
  });
}

export async function updateWorkspace(
  db: Db,
  workspace: WorkspaceContext,
  actor: AuditActor,
  patch: { name?: string | undefined; requireMfa?: boolean | undefined },
): Promise<Workspace> {
  if (patch.requireMfa !== undefined) assertRole(workspace, 'owner');
  return withTenant(db, workspace.id, async (q) => {
    const row = await repo.updateWorkspace(q, workspace.id, patch);
    const changes = changedFields({ name: workspace.name, requireMfa: workspace.requireMfa }, patch);
    if (changes) await recordAudit(q, workspace.id, actor, { action: 'workspace.updated', targetType: 'workspace', targetId: workspace.id, ...changes });
    return toWorkspace(row);
  });
}

/**
 * Deletes the workspace and, by cascade, every row of it in every table, after the
 * name is typed again. What remains is one platform audit entry: the workspace id and
 * row counts, no personal data (the workspace's own audit log goes with it).
 */
export async function deleteWorkspace(db: Db, workspace: WorkspaceContext, confirm: string): Promise<void> {
  if (confirm !== workspace.name) {
    throw new HttpError(400, 'confirmation_mismatch', 'Type the workspace name exactly to confirm the deletion.');
  }
  await withTenant(db, workspace.id, async (q) => {
    const counts = await repo.countRows(q, workspace.id);
    if (!(await repo.deleteWorkspace(q, workspace.id))) throw new HttpError(404, 'workspace_not_found', 'No such workspace, or you are not a member of it.');
    await repo.insertPlatformEvent(q, { actor: 'workspace-owner', action: 'workspace.deleted', target: `workspace:${workspace.id}`, details: { rows: counts } });
  });
}
