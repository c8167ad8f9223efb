// The SQL of provider_keys. Every function runs in the caller's withTenant transaction,
// so row-level security limits it to that workspace.
import type { Queryable } from '../db/db.js';
import type { SealedSecret } from './seal.js';

export type Provider = 'mistral';

/** A stored key as sealed, with its timestamps; the plaintext is never in a row. */
export interface ProviderKeyRow extends SealedSecret {
  provider: Provider;
  updatedAt: Date;
}

export async function selectProviderKey(q: Queryable, workspaceId: string, provider: Provider): Promise<ProviderKeyRow | undefined> {
  const { rows } = await q.query<ProviderKeyRow>(
    `SELECT provider, key_id AS "keyId", nonce, ciphertext, last4, updated_at AS "updatedAt"
       FROM provider_keys WHERE workspace_id = $1 AND provider = $2`,
    [workspaceId, provider],
  );
  return rows[0];
}

/** Inserts or replaces the workspace's key for provider. */
export async function upsertProviderKey(q: Queryable, workspaceId: string, provider: Provider, sealed: SealedSecret): Promise<ProviderKeyRow> {
  const { rows } = await q.query<ProviderKeyRow>(
    `INSERT INTO provider_keys (workspace_id, provider, key_id, nonce, ciphertext, last4)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (workspace_id, provider) DO UPDATE
        SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
            last4 = excluded.last4, updated_at = now()
     RETURNING provider, key_id AS "keyId", nonce, ciphertext, last4, updated_at AS "updatedAt"`,
    [workspaceId, provider, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.last4],
  );
  return rows[0]!;
}

/** The deleted row's last four characters, or undefined when there was none. */
export async function deleteProviderKey(q: Queryable, workspaceId: string, provider: Provider): Promise<string | undefined> {
  const { rows } = await q.query<{ last4: string }>(
    'DELETE FROM provider_keys WHERE workspace_id = $1 AND provider = $2 RETURNING last4',
    [workspaceId, provider],
  );
  return rows[0]?.last4;
}

/** When the operator granted the workspace the operator's key, or null (migration 0009). */
export async function selectOperatorKeyGrant(q: Queryable, workspaceId: string): Promise<Date | null> {
  const { rows } = await q.query<{ granted: Date | null }>('SELECT operator_key_granted_at AS granted FROM workspaces WHERE id = $1', [workspaceId]);
  return rows[0]?.granted ?? null;
}

/** Grants (keeping the first grant's time) or revokes the operator's key; false when the workspace is not found. */
export async function updateOperatorKeyGrant(q: Queryable, workspaceId: string, granted: boolean): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE workspaces SET operator_key_granted_at = CASE WHEN $2 THEN coalesce(operator_key_granted_at, now()) END WHERE id = $1`,
    [workspaceId, granted],
  );
  return rowCount === 1;
}
