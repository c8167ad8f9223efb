// Which sources are due for a scheduled re-sync, across workspaces: read before any tenant
// is known, like the retention job's list (server/db/tenant.ts). Each sync then runs in
// withTenant for its workspace.
import { RUNTIME_ROLE } from '../config.js';
import type { Db } from '../db/db.js';

export interface DueSource {
  workspaceId: string;
  sourceId: string;
  nextSyncAt: Date;
}

/**
 * Up to limit sources whose next_sync_at has passed, oldest due first, by the database's
 * clock. Runs as the runtime role with only app.job = 'knowledge_sync' set, which shows
 * the knowledge_sources rows of every workspace, read-only, and no other table's rows
 * (migration 0013).
 */
export async function listDueSources(db: Db, limit = 100): Promise<DueSource[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    await tx.query("SELECT set_config('app.job', 'knowledge_sync', true)");
    const { rows } = await tx.query<DueSource>(
      `SELECT workspace_id AS "workspaceId", id AS "sourceId", next_sync_at AS "nextSyncAt" FROM knowledge_sources
        WHERE next_sync_at <= now() AND status <> 'processing' ORDER BY next_sync_at, id LIMIT $1`,
      [limit],
    );
    return rows;
  });
}
