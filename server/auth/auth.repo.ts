import type { Db } from '../db/db.js';
import { withoutTenant } from '../db/tenant.js';

// accounts, admin_sessions, password_reset_tokens and platform_audit_events are not per
// workspace: they are read and written as the runtime role with no tenant set.

export interface AccountRow {
  id: string;
  email: string;
  display_name: string | null;
  password_hash: string;
  created_at: Date;
  /** Set once TOTP is confirmed (migration 0006); null without MFA. */
  mfa_enabled_at: Date | null;
}

export interface SessionRow {
  id: string;
  account_id: string;
  last_seen_at: Date;
  expires_at: Date;
  /** The password was right, the second factor is still owed. */
  mfa_pending: boolean;
}

const ACCOUNT_COLUMNS = 'id, email, display_name, password_hash, created_at, mfa_enabled_at';
const SESSION_COLUMNS = 'id, account_id, last_seen_at, expires_at, mfa_pending';

/** The new account, or undefined when the email (in any case) is taken. */
export async function insertAccount(db: Db, email: string, displayName: string | null, passwordHash: string): Promise<AccountRow | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<AccountRow>(
      `INSERT INTO accounts (email, display_name, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
      [email, displayName, passwordHash],
    );
    return rows[0];
  });
}

export async function findAccountByEmail(db: Db, email: string): Promise<AccountRow | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE lower(email) = lower($1)`, [email]);
    return rows[0];
  });
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0];
  });
}

export async function insertSession(
  db: Db,
  s: { accountId: string; tokenHash: Buffer; ttlMs: number; ip: string; userAgent: string | null; mfaPending?: boolean },
): Promise<SessionRow> {
  return withoutTenant(db, async (q) => {
    // Expired sessions of this account go when it opens a new one.
    await q.query('DELETE FROM admin_sessions WHERE account_id = $1 AND expires_at <= now()', [s.accountId]);
    const { rows } = await q.query<SessionRow>(
      `INSERT INTO admin_sessions (account_id, token_hash, expires_at, ip, user_agent, mfa_pending)
       VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, $6) RETURNING ${SESSION_COLUMNS}`,
      [s.accountId, s.tokenHash, s.ttlMs / 1000, s.ip, s.userAgent, s.mfaPending ?? false],
    );
    return rows[0]!;
  });
}

export async function findLiveSession(db: Db, tokenHash: Buffer): Promise<SessionRow | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM admin_sessions WHERE token_hash = $1 AND expires_at > now()`,
      [tokenHash],
    );
    return rows[0];
  });
}

/** Slides the expiry forward; returns the new expiry, or undefined if the session is gone. */
export async function touchSession(db: Db, sessionId: string, ttlMs: number): Promise<Date | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<{ expires_at: Date }>(
      `UPDATE admin_sessions SET last_seen_at = now(), expires_at = now() + make_interval(secs => $2)
       WHERE id = $1 AND expires_at > now() RETURNING expires_at`,
      [sessionId, ttlMs / 1000],
    );
    return rows[0]?.expires_at;
  });
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await withoutTenant(db, (q) => q.query('DELETE FROM admin_sessions WHERE id = $1', [sessionId]));
}

/** Changes the password and revokes every session of the account except `keepSessionId`. */
export async function updatePassword(db: Db, accountId: string, passwordHash: string, keepSessionId: string | null): Promise<void> {
  await withoutTenant(db, async (q) => {
    await q.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [accountId, passwordHash]);
    await q.query('DELETE FROM admin_sessions WHERE account_id = $1 AND id IS DISTINCT FROM $2', [accountId, keepSessionId]);
    await q.query('UPDATE password_reset_tokens SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [accountId]);
  });
}

export async function insertResetToken(db: Db, accountId: string, tokenHash: Buffer, ttlMs: number): Promise<void> {
  await withoutTenant(db, (q) =>
    q.query('INSERT INTO password_reset_tokens (account_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))', [
      accountId,
      tokenHash,
      ttlMs / 1000,
    ]),
  );
}

/**
 * Marks an unused, unexpired reset token used and sets the new password, revoking every
 * session, in one transaction. Returns the account id, or undefined for a bad token.
 */
export async function consumeResetToken(db: Db, tokenHash: Buffer, passwordHash: string): Promise<string | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<{ account_id: string }>(
      `UPDATE password_reset_tokens SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING account_id`,
      [tokenHash],
    );
    const accountId = rows[0]?.account_id;
    if (!accountId) return undefined;
    await q.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [accountId, passwordHash]);
    await q.query('DELETE FROM admin_sessions WHERE account_id = $1', [accountId]);
    await q.query('UPDATE password_reset_tokens SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [accountId]);
    return accountId;
  });
}

/** Never secret values: actor and target are ids, details are small facts (IP, reason). */
export async function insertPlatformEvent(db: Db, e: { actor: string; action: string; target?: string | null; details?: Record<string, unknown> }): Promise<void> {
  await withoutTenant(db, (q) =>
    q.query('INSERT INTO platform_audit_events (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
      e.actor,
      e.action,
      e.target ?? null,
      e.details ? JSON.stringify(e.details) : null,
    ]),
  );
}
