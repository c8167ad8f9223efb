import type { Db } from '../db/db.js';
import { withoutTenant } from '../db/tenant.js';
import type { AccountRow } from './auth.repo.js';

// signup_requests (migration 0009) is not per workspace, like accounts: read and written
// as the runtime role with no tenant set.

const ACCOUNT_COLUMNS = 'id, email, display_name, password_hash, created_at, mfa_enabled_at';

/** Stores a pending sign-up under the hash of its mailed token; expired ones go at the same time. */
export async function insertSignupRequest(db: Db, r: { email: string; displayName: string | null; tokenHash: Buffer; ttlMs: number }): Promise<void> {
  await withoutTenant(db, async (q) => {
    await q.query('DELETE FROM signup_requests WHERE expires_at <= now()');
    await q.query(
      `INSERT INTO signup_requests (email, display_name, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [r.email, r.displayName, r.tokenHash, r.ttlMs / 1000],
    );
  });
}

/** The address a live sign-up token was sent to, without using it up. */
export async function findSignupEmail(db: Db, tokenHash: Buffer): Promise<string | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<{ email: string }>('SELECT email FROM signup_requests WHERE token_hash = $1 AND expires_at > now()', [tokenHash]);
    return rows[0]?.email;
  });
}

/**
 * Uses up a live sign-up token and creates its account, in one transaction; every other
 * request for the address goes too. 'invalid' for an unknown, used or expired token,
 * 'taken' when the address got an account meanwhile (the token is used up all the same).
 */
export async function completeSignupRequest(db: Db, tokenHash: Buffer, passwordHash: string): Promise<AccountRow | 'invalid' | 'taken'> {
  return withoutTenant(db, async (q) => {
    const { rows: [request] } = await q.query<{ email: string; display_name: string | null }>(
      'DELETE FROM signup_requests WHERE token_hash = $1 AND expires_at > now() RETURNING email, display_name',
      [tokenHash],
    );
    if (!request) return 'invalid';
    const { rows: [account] } = await q.query<AccountRow>(
      `INSERT INTO accounts (email, display_name, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
      [request.email, request.display_name, passwordHash],
    );
    if (!account) return 'taken';
    await q.query('DELETE FROM signup_requests WHERE lower(email) = lower($1)', [request.email]);
    return account;
  });
}
