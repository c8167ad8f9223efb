import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import type { SealedSecret } from '../keys/seal.js';

/** The workspace's own sealed key for a provider, if it stored one. */
export async function findSealedProviderKey(db: Db, workspaceId: string, provider: 'mistral'): Promise<SealedSecret | undefined> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ key_id: string; nonce: Uint8Array; ciphertext: Uint8Array; last4: string }>(
      'SELECT key_id, nonce, ciphertext, last4 FROM provider_keys WHERE workspace_id = $1 AND provider = $2',
      [workspaceId, provider],
    );
    const row = rows[0];
    return row && { keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext, last4: row.last4 };
  });
}
