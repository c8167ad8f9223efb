import type { Db, Queryable } from '../db/db.js';
import { withoutTenant } from '../db/tenant.js';
import type { SealedSecret } from '../keys/seal.js';

// MFA columns of accounts (migration 0006) and mfa_recovery_codes: not per workspace,
// read and written as the runtime role with no tenant set, like the rest of auth.

export interface MfaRow {
  key_id: string | null;
  nonce: Uint8Array | null;
  ciphertext: Uint8Array | null;
  enabled_at: Date | null;
  last_step: number | null;
}

export async function findMfa(db: Db, accountId: string): Promise<MfaRow | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<MfaRow & { last_step: string | number | null }>(
      `SELECT mfa_key_id AS key_id, mfa_nonce AS nonce, mfa_ciphertext AS ciphertext, mfa_enabled_at AS enabled_at, mfa_last_step AS last_step
         FROM accounts WHERE id = $1`,
      [accountId],
    );
    const row = rows[0];
    // bigint arrives as a string from pg.
    return row && { ...row, last_step: row.last_step === null ? null : Number(row.last_step) };
  });
}

/** Stores a new, unconfirmed secret; false when MFA is already on (then nothing changes). */
export async function storePendingSecret(db: Db, accountId: string, sealed: Pick<SealedSecret, 'keyId' | 'nonce' | 'ciphertext'>): Promise<boolean> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query(
      `UPDATE accounts SET mfa_key_id = $2, mfa_nonce = $3, mfa_ciphertext = $4, mfa_last_step = NULL, updated_at = now()
        WHERE id = $1 AND mfa_enabled_at IS NULL RETURNING id`,
      [accountId, sealed.keyId, Buffer.from(sealed.nonce), Buffer.from(sealed.ciphertext)],
    );
    return rows.length === 1;
  });
}

/**
 * Records a TOTP time step as used, only if it is later than the last one: of two
 * requests with the same code, exactly one wins.
 */
export async function acceptStep(db: Db, accountId: string, step: number): Promise<boolean> {
  return withoutTenant(db, (q) => acceptStepIn(q, accountId, step, false, null));
}

/** `nonce`, when enabling: the secret the code was checked against is still the stored one (no setup in between). */
async function acceptStepIn(q: Queryable, accountId: string, step: number, enabling: boolean, nonce: Uint8Array | null): Promise<boolean> {
  const { rows } = await q.query(
    `UPDATE accounts SET mfa_last_step = $2, mfa_enabled_at = CASE WHEN $3 THEN now() ELSE mfa_enabled_at END, updated_at = now()
      WHERE id = $1 AND mfa_ciphertext IS NOT NULL AND (mfa_enabled_at IS NULL) = $3
        AND ($4::bytea IS NULL OR mfa_nonce = $4::bytea)
        AND (mfa_last_step IS NULL OR mfa_last_step < $2) RETURNING id`,
    [accountId, step, enabling, nonce === null ? null : Buffer.from(nonce)],
  );
  return rows.length === 1;
}

/** Turns the pending secret on and stores the recovery codes, in one transaction; false if it lost a race. */
export async function enable(db: Db, accountId: string, nonce: Uint8Array, step: number, codeHashes: Buffer[]): Promise<boolean> {
  return withoutTenant(db, async (q) => {
    if (!(await acceptStepIn(q, accountId, step, true, nonce))) return false;
    await insertCodes(q, accountId, codeHashes);
    return true;
  });
}

/** Replaces every recovery code of an account with MFA on; false if MFA is off. */
export async function replaceRecoveryCodes(db: Db, accountId: string, codeHashes: Buffer[]): Promise<boolean> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query('SELECT 1 FROM accounts WHERE id = $1 AND mfa_enabled_at IS NOT NULL FOR UPDATE', [accountId]);
    if (rows.length === 0) return false;
    await insertCodes(q, accountId, codeHashes);
    return true;
  });
}

async function insertCodes(q: Queryable, accountId: string, codeHashes: Buffer[]): Promise<void> {
  await q.query('DELETE FROM mfa_recovery_codes WHERE account_id = $1', [accountId]);
  for (const hash of codeHashes) await q.query('INSERT INTO mfa_recovery_codes (account_id, code_hash) VALUES ($1, $2)', [accountId, hash]);
}

/** Deletes the code if the account holds it: true exactly once per code, however many requests race. */
export async function consumeRecoveryCode(db: Db, accountId: string, codeHash: Buffer): Promise<boolean> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query('DELETE FROM mfa_recovery_codes WHERE account_id = $1 AND code_hash = $2 RETURNING account_id', [accountId, codeHash]);
    return rows.length === 1;
  });
}

/** Forgets the secret and every recovery code. */
export async function disable(db: Db, accountId: string): Promise<void> {
  await withoutTenant(db, async (q) => {
    await q.query(
      `UPDATE accounts SET mfa_key_id = NULL, mfa_nonce = NULL, mfa_ciphertext = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = now()
        WHERE id = $1`,
      [accountId],
    );
    await q.query('DELETE FROM mfa_recovery_codes WHERE account_id = $1', [accountId]);
  });
}

/**
 * Completes a half-signed-in session under a new token (the old cookie value stops
 * working) with the full lifetime. Undefined if the pending session is gone or expired.
 */
export async function completePendingSession(db: Db, sessionId: string, tokenHash: Buffer, ttlMs: number): Promise<Date | undefined> {
  return withoutTenant(db, async (q) => {
    const { rows } = await q.query<{ expires_at: Date }>(
      `UPDATE admin_sessions SET token_hash = $2, mfa_pending = false, last_seen_at = now(), expires_at = now() + make_interval(secs => $3)
        WHERE id = $1 AND mfa_pending AND expires_at > now() RETURNING expires_at`,
      [sessionId, tokenHash, ttlMs / 1000],
    );
    return rows[0]?.expires_at;
  });
}
