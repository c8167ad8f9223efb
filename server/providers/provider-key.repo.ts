import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { selectOperatorKeyGrant, selectProviderKey, type Provider } from '../keys/provider-key.repo.js';
import type { SealedSecret } from '../keys/seal.js';

/** The workspace's own sealed key for a provider, if it stored one. */
export async function findSealedProviderKey(db: Db, workspaceId: string, provider: Provider): Promise<SealedSecret | undefined> {
  return withTenant(db, workspaceId, (q) => selectProviderKey(q, workspaceId, provider));
}

/** When the operator let the workspace use MISTRAL_API_KEY (`npm run operator-key`), or null. */
export async function findOperatorKeyGrant(db: Db, workspaceId: string): Promise<Date | null> {
  return withTenant(db, workspaceId, (q) => selectOperatorKeyGrant(q, workspaceId));
}
