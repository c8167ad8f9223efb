import type { Queryable } from '../db/db.js';

/** Credentials that can no longer be used, removed by each retention run. */
export interface ExpiredCredentials {
  sessions: number;
  resetTokens: number;
  invitations: number;
}

/** Expired admin sessions and used or expired reset tokens (not per workspace: run withoutTenant). */
export async function deleteExpiredAccountCredentials(q: Queryable): Promise<Pick<ExpiredCredentials, 'sessions' | 'resetTokens'>> {
  const sessions = await q.query('DELETE FROM admin_sessions WHERE expires_at <= now()');
  const resetTokens = await q.query('DELETE FROM password_reset_tokens WHERE expires_at <= now() OR used_at IS NOT NULL');
  return { sessions: sessions.rowCount, resetTokens: resetTokens.rowCount };
}

/** A workspace's expired invitations (run inside withTenant). */
export async function deleteExpiredInvitations(q: Queryable, workspaceId: string): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM invitations WHERE workspace_id = $1 AND expires_at <= now()', [workspaceId]);
  return rowCount;
}
