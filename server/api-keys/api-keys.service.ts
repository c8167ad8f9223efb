import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit, type AuditActor } from '../audit/audit.js';
import type { Db } from '../db/db.js';
import { findApiKey, withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import type { WorkspaceContext } from '../workspaces/workspace-context.js';
import * as repo from './api-keys.repo.js';

/** Recognisable in logs and secret scanners; server/logging.ts scrubs anything of this shape. */
export const API_KEY_PREFIX = 'pk_live_';
/** 32 random bytes, base64url: 43 characters. */
export const API_KEY_PATTERN = /^pk_live_[A-Za-z0-9_-]{43}$/;
/** How much of a key the list and the audit log show: the fixed prefix and 4 random characters. */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 4;
const MAX_ACTIVE_KEYS = 50;
const TOUCH_INTERVAL_MS = 60_000;

export function apiKeyHash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function listApiKeys(db: Db, workspace: WorkspaceContext): Promise<repo.ApiKeyRow[]> {
  return withTenant(db, workspace.id, (q) => repo.listKeys(q, workspace.id));
}

/** A new key; the secret is returned here once and only its SHA-256 is stored. */
export async function createApiKey(
  db: Db,
  workspace: WorkspaceContext,
  actor: AuditActor,
  input: { name: string; scope: 'read' | 'write' },
): Promise<{ apiKey: repo.ApiKeyRow; secret: string }> {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = secret.slice(0, DISPLAY_LENGTH);
  const apiKey = await withTenant(db, workspace.id, async (q) => {
    if ((await repo.countActiveKeys(q, workspace.id)) >= MAX_ACTIVE_KEYS) {
      throw new HttpError(409, 'too_many_api_keys', `A workspace can have at most ${MAX_ACTIVE_KEYS} active API keys. Revoke one first.`);
    }
    const row = await repo.insertKey(q, { workspaceId: workspace.id, ...input, keyHash: apiKeyHash(secret), prefix, createdBy: actor.accountId });
    await recordAudit(q, workspace.id, actor, { action: 'api_key.created', targetType: 'api_key', targetId: row.id, after: { name: row.name, scope: row.scope, prefix } });
    return row;
  });
  return { apiKey, secret };
}

/** Revokes the key at once; the row stays so the list shows it revoked. Revoking twice is a no-op. */
export async function revokeApiKey(db: Db, workspace: WorkspaceContext, actor: AuditActor, keyId: string): Promise<void> {
  await withTenant(db, workspace.id, async (q) => {
    const key = await repo.findKeyForUpdate(q, workspace.id, keyId);
    if (!key) throw new HttpError(404, 'api_key_not_found', 'No such API key in this workspace.');
    if (key.revoked_at) return;
    await repo.revokeKey(q, workspace.id, keyId);
    await recordAudit(q, workspace.id, actor, {
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: keyId,
      before: { revokedAt: null },
      after: { name: key.name, prefix: key.prefix, revoked: true },
    });
  });
}

/** The workspace and scope a presented key grants, or undefined for an unknown, malformed or revoked key. */
export interface ApiKeyContext {
  id: string;
  workspaceId: string;
  scope: 'read' | 'write';
  prefix: string;
}

export async function authenticateApiKey(db: Db, secret: string): Promise<ApiKeyContext | undefined> {
  if (!API_KEY_PATTERN.test(secret)) return undefined;
  const hash = apiKeyHash(secret);
  const key = await findApiKey(db, hash);
  // The lookup is by hash already; comparing again in constant time keeps a future
  // change to the lookup (a prefix index, say) from turning into a timing oracle.
  if (!key || key.keyHash.length !== hash.length || !timingSafeEqual(key.keyHash, hash) || key.revokedAt) return undefined;
  // At most one write a minute per key, not one per request.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await withTenant(db, key.workspaceId, (q) => repo.touchKey(q, key.workspaceId, key.id));
  }
  return { id: key.id, workspaceId: key.workspaceId, scope: key.scope, prefix: key.prefix };
}
