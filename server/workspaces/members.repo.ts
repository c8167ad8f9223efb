import type { Queryable } from '../db/db.js';
import type { Role } from './roles.js';

// All in the workspace's tenant transaction. Account emails and names come from the
// accounts table, which is not per workspace.

export interface MemberRow {
  account_id: string;
  email: string;
  display_name: string | null;
  role: Role;
  created_at: Date;
}

export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  created_at: Date;
  expires_at: Date;
}

const MEMBER = `SELECT m.account_id, a.email, a.display_name, m.role, m.created_at
                  FROM memberships m JOIN accounts a ON a.id = m.account_id`;

export async function listMembers(q: Queryable, workspaceId: string): Promise<MemberRow[]> {
  const { rows } = await q.query<MemberRow>(`${MEMBER} WHERE m.workspace_id = $1 ORDER BY m.created_at, a.email`, [workspaceId]);
  return rows;
}

/** The member, locked until the transaction ends so two role changes cannot race past the last-owner check. */
export async function findMemberForUpdate(q: Queryable, workspaceId: string, accountId: string): Promise<MemberRow | undefined> {
  const { rows } = await q.query<MemberRow>(`${MEMBER} WHERE m.workspace_id = $1 AND m.account_id = $2 FOR UPDATE OF m`, [workspaceId, accountId]);
  return rows[0];
}

/** Owners, locked: the last-owner rule reads this count. */
export async function lockOwners(q: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await q.query<{ account_id: string }>("SELECT account_id FROM memberships WHERE workspace_id = $1 AND role = 'owner' FOR UPDATE", [workspaceId]);
  return rows.length;
}

export async function setRole(q: Queryable, workspaceId: string, accountId: string, role: Role): Promise<void> {
  await q.query('UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND account_id = $2', [workspaceId, accountId, role]);
}

export async function removeMember(q: Queryable, workspaceId: string, accountId: string): Promise<void> {
  await q.query('DELETE FROM memberships WHERE workspace_id = $1 AND account_id = $2', [workspaceId, accountId]);
}

/** Adds the account, or leaves an existing membership as it is; true when added. */
export async function addMember(q: Queryable, workspaceId: string, accountId: string, role: Role): Promise<boolean> {
  const { rowCount } = await q.query(
    'INSERT INTO memberships (workspace_id, account_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [workspaceId, accountId, role],
  );
  return rowCount === 1;
}

export async function isMemberEmail(q: Queryable, workspaceId: string, email: string): Promise<boolean> {
  const { rows } = await q.query(
    'SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.workspace_id = $1 AND lower(a.email) = lower($2)',
    [workspaceId, email],
  );
  return rows.length > 0;
}

export async function listInvitations(q: Queryable, workspaceId: string): Promise<InvitationRow[]> {
  const { rows } = await q.query<InvitationRow>(
    'SELECT id, email, role, created_at, expires_at FROM invitations WHERE workspace_id = $1 AND expires_at > now() ORDER BY created_at DESC',
    [workspaceId],
  );
  return rows;
}

/** A new invitation replaces any earlier one for the same email. */
export async function upsertInvitation(
  q: Queryable,
  i: { workspaceId: string; email: string; role: Role; tokenHash: Buffer; invitedBy: string; ttlMs: number },
): Promise<InvitationRow> {
  const { rows } = await q.query<InvitationRow>(
    `INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
     ON CONFLICT (workspace_id, (lower(email))) DO UPDATE
       SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, invited_by = EXCLUDED.invited_by,
           created_at = now(), expires_at = EXCLUDED.expires_at
     RETURNING id, email, role, created_at, expires_at`,
    [i.workspaceId, i.email, i.role, i.tokenHash, i.invitedBy, i.ttlMs / 1000],
  );
  return rows[0]!;
}

export async function deleteInvitation(q: Queryable, workspaceId: string, id: string): Promise<InvitationRow | undefined> {
  const { rows } = await q.query<InvitationRow>(
    'DELETE FROM invitations WHERE workspace_id = $1 AND id = $2 RETURNING id, email, role, created_at, expires_at',
    [workspaceId, id],
  );
  return rows[0];
}
