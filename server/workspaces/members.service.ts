import { randomBytes } from 'node:crypto';
import { recordAudit, type AuditActor } from '../audit/audit.js';
import type { Mailer } from '../mail/mailer.js';
import { tokenHash } from '../auth/session-token.js';
import type { Db, Queryable } from '../db/db.js';
import { findInvitation, withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logging.js';
import * as repo from './members.repo.js';
import { isRole, type Role } from './roles.js';
import { assertRole, type WorkspaceContext } from './workspace-context.js';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

const memberNotFound = () => new HttpError(404, 'member_not_found', 'No such member in this workspace.');
const lastOwner = () => new HttpError(409, 'last_owner', 'A workspace needs at least one owner. Make someone else owner first.');

export function listMembers(db: Db, workspace: WorkspaceContext) {
  return withTenant(db, workspace.id, (q) => repo.listMembers(q, workspace.id));
}

/** Changes a member's role. Granting or taking away owner takes an owner; the last owner stays. */
export async function changeRole(db: Db, workspace: WorkspaceContext, actor: AuditActor, accountId: string, role: Role): Promise<repo.MemberRow> {
  if (role === 'owner') assertRole(workspace, 'owner');
  return withTenant(db, workspace.id, async (q) => {
    const owners = await repo.lockOwners(q, workspace.id);
    const member = await repo.findMemberForUpdate(q, workspace.id, accountId);
    if (!member) throw memberNotFound();
    if (member.role === role) return member;
    if (member.role === 'owner') {
      assertRole(workspace, 'owner');
      if (owners <= 1) throw lastOwner();
    }
    await repo.setRole(q, workspace.id, accountId, role);
    await recordAudit(q, workspace.id, actor, {
      action: 'member.role_changed', targetType: 'account', targetId: accountId, before: { role: member.role }, after: { role },
    });
    return { ...member, role };
  });
}

/** Removes a member (admin and up), or the caller leaves (any role). The last owner cannot go. */
export async function removeMember(db: Db, workspace: WorkspaceContext, actor: AuditActor, accountId: string): Promise<void> {
  const leaving = accountId === actor.accountId;
  if (!leaving) assertRole(workspace, 'admin');
  await withTenant(db, workspace.id, async (q) => {
    const owners = await repo.lockOwners(q, workspace.id);
    const member = await repo.findMemberForUpdate(q, workspace.id, accountId);
    if (!member) throw memberNotFound();
    if (member.role === 'owner') {
      if (!leaving) assertRole(workspace, 'owner');
      if (owners <= 1) throw lastOwner();
    }
    await repo.removeMember(q, workspace.id, accountId);
    await recordAudit(q, workspace.id, actor, {
      action: leaving ? 'member.left' : 'member.removed', targetType: 'account', targetId: accountId, before: { email: member.email, role: member.role },
    });
  });
}

export function listInvitations(db: Db, workspace: WorkspaceContext) {
  return withTenant(db, workspace.id, (q) => repo.listInvitations(q, workspace.id));
}

/** Invites an email with a role and mails the link; only owners invite owners. */
export async function invite(
  deps: { db: Db; mailer: Mailer; logger: Logger; publicUrl: string },
  workspace: WorkspaceContext,
  actor: AuditActor & { accountId: string },
  input: { email: string; role: Role },
): Promise<repo.InvitationRow> {
  if (input.role === 'owner') assertRole(workspace, 'owner');
  // Hex, like reset tokens: the log scrubber leaves it readable in the log mailer's line.
  const token = randomBytes(32).toString('hex');
  const invitation = await withTenant(deps.db, workspace.id, async (q) => {
    if (await repo.isMemberEmail(q, workspace.id, input.email)) {
      throw new HttpError(409, 'already_member', 'This person is already a member of the workspace.');
    }
    const row = await repo.upsertInvitation(q, { workspaceId: workspace.id, ...input, tokenHash: tokenHash(token), invitedBy: actor.accountId, ttlMs: INVITATION_TTL_MS });
    await recordAudit(q, workspace.id, actor, { action: 'member.invited', targetType: 'invitation', targetId: row.id, after: { email: row.email, role: row.role } });
    return row;
  });
  const link = `${deps.publicUrl}/admin/invitations#token=${token}`;
  const text = `${actor.label} invited you to the Parley workspace "${workspace.name}" as ${input.role}. To join, open:\n\n${link}\n\nThe link works once, for seven days.`;
  void deps.mailer.send({ to: input.email, subject: `Join "${workspace.name}" on Parley`, text }).catch((err: unknown) => {
    deps.logger.error({ err: { message: (err as Error).message } }, 'invitation mail could not be sent');
  });
  return invitation;
}

export async function revokeInvitation(db: Db, workspace: WorkspaceContext, actor: AuditActor, id: string): Promise<void> {
  await withTenant(db, workspace.id, async (q) => {
    const row = await repo.deleteInvitation(q, workspace.id, id);
    if (!row) throw new HttpError(404, 'invitation_not_found', 'No such invitation.');
    await recordAudit(q, workspace.id, actor, { action: 'member.invitation_revoked', targetType: 'invitation', targetId: id, before: { email: row.email, role: row.role } });
  });
}

/** Joins the workspace an invitation link names, with its role; the invitation is then deleted. */
export async function acceptInvitation(db: Db, actor: AuditActor & { accountId: string }, token: string): Promise<{ id: string; publicId: string; name: string; role: Role }> {
  const invalid = () => new HttpError(400, 'invalid_invitation', 'This invitation link is invalid, used or expired. Ask for a new one.');
  const found = await findInvitation(db, tokenHash(token));
  if (!found || found.expiresAt.getTime() <= Date.now() || !isRole(found.role)) throw invalid();
  const role = found.role;
  return withTenant(db, found.workspaceId, async (q: Queryable) => {
    const { rowCount } = await q.query('DELETE FROM invitations WHERE id = $1 AND token_hash = $2', [found.id, tokenHash(token)]);
    if (rowCount !== 1) throw invalid();
    const added = await repo.addMember(q, found.workspaceId, actor.accountId, role);
    if (added) await recordAudit(q, found.workspaceId, actor, { action: 'member.joined', targetType: 'account', targetId: actor.accountId, after: { role } });
    const { rows: [workspace] } = await q.query<{ public_id: string; name: string; role: Role }>(
      'SELECT w.public_id, w.name, m.role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id WHERE w.id = $1 AND m.account_id = $2',
      [found.workspaceId, actor.accountId],
    );
    return { id: found.workspaceId, publicId: workspace!.public_id, name: workspace!.name, role: workspace!.role };
  });
}
