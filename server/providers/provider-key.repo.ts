import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { selectOperatorKeyGrant } from '../keys/provider-key.repo.js';

/** When the operator let the workspace use MISTRAL_API_KEY (`npm run operator-key`), or null. */
export async function findOperatorKeyGrant(db: Db, workspaceId: string): Promise<Date | null> {
  return withTenant(db, workspaceId, (q) => selectOperatorKeyGrant(q, workspaceId));
}
