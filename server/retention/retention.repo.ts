import type { Queryable } from '../db/db.js';

// Every statement runs inside withTenant: row-level security scopes it to one
// workspace, and the explicit workspace_id lets the indexes do the work.
// Each deletes at most `limit` rows, so one transaction holds its row locks briefly.

/** The instant before which this workspace's chat logs expire, by the database clock. */
export async function retentionCutoff(q: Queryable, retentionDays: number): Promise<Date> {
  const { rows } = await q.query<{ cutoff: Date }>('SELECT now() - make_interval(days => $1::int) AS cutoff', [retentionDays]);
  return new Date(rows[0]!.cutoff);
}

/** Deletes up to limit messages created before cutoff; returns how many. */
export async function deleteExpiredMessages(q: Queryable, workspaceId: string, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM messages WHERE id IN (
       SELECT id FROM messages WHERE workspace_id = $1 AND created_at < $2 LIMIT $3)`,
    [workspaceId, cutoff, limit],
  );
  return rowCount;
}

/**
 * Deletes up to limit conversations untouched since cutoff with no message left.
 * The updated_at test sits on the outer DELETE so that, under concurrency, a
 * conversation a visitor just wrote to (chat bumps updated_at) is re-checked and kept.
 */
export async function deleteEmptyConversations(q: Queryable, workspaceId: string, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM conversations c
      WHERE c.workspace_id = $1 AND c.updated_at < $2
        AND c.id IN (
          SELECT e.id FROM conversations e
           WHERE e.workspace_id = $1 AND e.updated_at < $2
             AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = e.workspace_id AND m.conversation_id = e.id)
           LIMIT $3)`,
    [workspaceId, cutoff, limit],
  );
  return rowCount;
}

/** Deletes up to limit visitors not seen since cutoff with no conversation left. */
export async function deleteOrphanVisitors(q: Queryable, workspaceId: string, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM visitors v
      WHERE v.workspace_id = $1 AND v.last_seen_at < $2
        AND v.id IN (
          SELECT o.id FROM visitors o
           WHERE o.workspace_id = $1 AND o.last_seen_at < $2
             AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.workspace_id = o.workspace_id AND c.visitor_id = o.id)
           LIMIT $3)`,
    [workspaceId, cutoff, limit],
  );
  return rowCount;
}

export interface DeletedCounts {
  messages: number;
  conversations: number;
  visitors: number;
}

/** One audit event with the counts of a run; never any content. */
export async function insertRetentionAudit(q: Queryable, workspaceId: string, counts: DeletedCounts): Promise<void> {
  await q.query(
    `INSERT INTO audit_events (workspace_id, actor_label, action, after)
     VALUES ($1, 'retention', 'retention.deleted',
             jsonb_build_object('messages', $2::int, 'conversations', $3::int, 'visitors', $4::int))`,
    [workspaceId, counts.messages, counts.conversations, counts.visitors],
  );
}
