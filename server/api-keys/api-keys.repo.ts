import type { Queryable } from '../db/db.js';

// All in the workspace's tenant transaction. key_hash is never selected here: nothing
// outside the lookup by hash (findApiKey in server/db/tenant.ts) needs it.

export interface ApiKeyRow {
  id: string;
  name: string;
  scope: 'read' | 'write';
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, scope, prefix, created_at, last_used_at, revoked_at';

export async function listKeys(q: Queryable, workspaceId: string): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, [workspaceId]);
  return rows;
}

export async function countActiveKeys(q: Queryable, workspaceId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE workspace_id = $1 AND revoked_at IS NULL', [workspaceId]);
  return rows[0]!.n;
}

export async function insertKey(
  q: Queryable,
  key: { workspaceId: string; name: string; scope: 'read' | 'write'; keyHash: Buffer; prefix: string; createdBy: string | null },
): Promise<ApiKeyRow> {
  const { rows } = await q.query<ApiKeyRow>(
    `INSERT INTO api_keys (workspace_id, name, scope, key_hash, prefix, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [key.workspaceId, key.name, key.scope, key.keyHash, key.prefix, key.createdBy],
  );
  return rows[0]!;
}

/** The key, locked so two revocations cannot both record one. */
export async function findKeyForUpdate(q: Queryable, workspaceId: string, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [workspaceId, id]);
  return rows[0];
}

export async function revokeKey(q: Queryable, workspaceId: string, id: string): Promise<void> {
  await q.query('UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL', [workspaceId, id]);
}

/** Sets last_used_at unless another request did within the last minute. */
export async function touchKey(q: Queryable, workspaceId: string, id: string): Promise<void> {
  await q.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE workspace_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [workspaceId, id],
  );
}
