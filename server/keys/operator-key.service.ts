import { recordAudit } from '../audit/audit.js';
import { insertPlatformEvent } from '../auth/auth.repo.js';
import type { Db } from '../db/db.js';
import { resolvePublicWorkspace, withTenant } from '../db/tenant.js';
import { selectOperatorKeyGrant, updateOperatorKeyGrant } from './provider-key.repo.js';

const OPERATOR = { accountId: null, label: 'operator', ip: null };

/**
 * The operator grants or revokes a workspace's use of MISTRAL_API_KEY (read when
 * OPERATOR_KEY_WORKSPACES=granted). Recorded in the platform audit log and in the
 * workspace's own, where its admins see it. Undefined when no workspace has publicId;
 * `changed` is false when it already was as asked.
 */
export async function setOperatorKeyGrant(db: Db, publicId: string, granted: boolean): Promise<{ id: string; name: string; changed: boolean } | undefined> {
  const workspace = await resolvePublicWorkspace(db, publicId);
  if (!workspace) return undefined;
  const action = granted ? 'operator_key.granted' : 'operator_key.revoked';
  const changed = await withTenant(db, workspace.id, async (q) => {
    const was = (await selectOperatorKeyGrant(q, workspace.id)) !== null;
    if (was === granted) return false;
    await updateOperatorKeyGrant(q, workspace.id, granted);
    await recordAudit(q, workspace.id, OPERATOR, { action, targetType: 'workspace', targetId: workspace.id, before: { operatorKey: was }, after: { operatorKey: granted } });
    return true;
  });
  if (changed) await insertPlatformEvent(db, { actor: 'operator', action, target: `workspace:${workspace.id}` });
  return { ...workspace, changed };
}
