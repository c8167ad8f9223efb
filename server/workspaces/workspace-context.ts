import type { Request, RequestHandler } from 'express';
import type { AuditActor } from '../audit/audit.js';
import { requireAdmin } from '../auth/admin-session.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import { atLeast, type Role } from './roles.js';

/** The workspace a request is about, as the signed-in account may see it. */
export interface WorkspaceContext {
  id: string;
  publicId: string;
  name: string;
  role: Role;
  requireMfa: boolean;
  createdAt: Date;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set on /api/admin/workspaces/:workspaceId routes once membership is checked. */
      workspace?: WorkspaceContext;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The same answer for a workspace that does not exist and one the account is not in.
const notFound = () => new HttpError(404, 'workspace_not_found', 'No such workspace, or you are not a member of it.');

/**
 * Loads :workspaceId and the signed-in account's role in it, inside withTenant, so
 * row-level security decides what exists. Not a member: 404. A workspace that requires
 * MFA refuses accounts without it, except where allowWithoutMfa (reading the workspace,
 * so the panel can say why).
 */
export function loadWorkspace(db: Db, options: { allowWithoutMfa?: boolean } = {}): RequestHandler {
  return async (req, _res, next) => {
    const admin = requireAdmin(req.admin);
    const id = req.params.workspaceId;
    if (typeof id !== 'string' || !UUID.test(id)) throw notFound();
    const row = await withTenant(db, id, async (q) => {
      const { rows } = await q.query<{ public_id: string; name: string; role: Role; require_mfa: boolean; created_at: Date }>(
        `SELECT w.public_id, w.name, m.role, w.require_mfa, w.created_at
           FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
          WHERE w.id = $1 AND m.account_id = $2`,
        [id, admin.account.id],
      );
      return rows[0];
    });
    if (!row) throw notFound();
    if (row.require_mfa && !admin.account.mfaEnabled && !options.allowWithoutMfa) {
      throw new HttpError(403, 'mfa_required', 'This workspace requires two-factor authentication. Turn it on in your account settings first.');
    }
    req.workspace = { id, publicId: row.public_id, name: row.name, role: row.role, requireMfa: row.require_mfa, createdAt: row.created_at };
    next();
  };
}

/** Refuses roles below min with 403. */
export function requireRole(min: Role): RequestHandler {
  return (req, _res, next) => {
    assertRole(currentWorkspace(req), min);
    next();
  };
}

export function assertRole(workspace: WorkspaceContext, min: Role): void {
  if (!atLeast(workspace.role, min)) {
    throw new HttpError(403, 'forbidden', `Your role (${workspace.role}) cannot do this; it needs ${min} or higher.`);
  }
}

export function currentWorkspace(req: Request): WorkspaceContext {
  if (!req.workspace) throw new Error('currentWorkspace: route is not under loadWorkspace');
  return req.workspace;
}

/** The signed-in admin as the audit log records them. */
export function auditActor(req: Request): AuditActor {
  const admin = requireAdmin(req.admin);
  return { accountId: admin.account.id, label: admin.account.email, ip: req.ip ?? null };
}
