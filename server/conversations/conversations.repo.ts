import type { Queryable } from '../db/db.js';
import type { ListPosition } from './cursor.js';

// Every function runs inside withTenant: row-level security scopes it to one workspace,
// and the explicit workspace_id lets the indexes do the work.

export interface ConversationSummaryRow {
  id: string;
  visitor_id: string;
  created_at: Date;
  updated_at: Date;
  /** updated_at to the microsecond, UTC, for the next page's cursor. */
  position: string;
  message_count: number;
  preview: string | null;
}

export interface AdminMessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'incomplete' | 'error';
  /** What a grounded reply cited (migration 0014); null when it used no knowledge. */
  sources: unknown;
  created_at: Date;
}

const PREVIEW_CHARS = 200;
const SUMMARY = `SELECT c.id, c.visitor_id, c.created_at, c.updated_at,
         to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS position,
         (SELECT count(*)::int FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id) AS message_count,
         (SELECT left(m.content, ${PREVIEW_CHARS}) FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id
           ORDER BY m.created_at, m.id LIMIT 1) AS preview
    FROM conversations c`;

/** Escapes LIKE's wildcards so the search text matches itself. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Newest first by updated_at (id breaks ties), after the given position; at most limit rows. */
export async function listConversations(
  q: Queryable,
  workspaceId: string,
  options: { search?: string | undefined; after?: ListPosition | undefined; limit: number },
): Promise<ConversationSummaryRow[]> {
  const { rows } = await q.query<ConversationSummaryRow>(
    `${SUMMARY}
      WHERE c.workspace_id = $1
        AND ($2::timestamp IS NULL OR (c.updated_at, c.id) < ($2::timestamp AT TIME ZONE 'UTC', $3::uuid))
        AND ($4::text IS NULL OR EXISTS (
              SELECT 1 FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id AND m.content ILIKE $4 ESCAPE '\\'))
      ORDER BY c.updated_at DESC, c.id DESC
      LIMIT $5`,
    [workspaceId, options.after?.updatedAt ?? null, options.after?.id ?? null, options.search ? likePattern(options.search) : null, options.limit],
  );
  return rows;
}

export async function findConversation(q: Queryable, workspaceId: string, id: string): Promise<ConversationSummaryRow | undefined> {
  const { rows } = await q.query<ConversationSummaryRow>(`${SUMMARY} WHERE c.workspace_id = $1 AND c.id = $2`, [workspaceId, id]);
  return rows[0];
}

export async function listMessages(q: Queryable, workspaceId: string, conversationId: string): Promise<AdminMessageRow[]> {
  const { rows } = await q.query<AdminMessageRow>(
    `SELECT id, role, content, status, sources, created_at FROM messages
      WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY created_at, id`,
    [workspaceId, conversationId],
  );
  return rows;
}

export type WipeTable = 'messages' | 'conversations' | 'visitors';

/**
 * Deletes up to limit rows of one table of the workspace; returns how many. Messages
 * first, then conversations, then visitors, so each batch's cascade stays small.
 */
export async function deleteBatch(q: Queryable, table: WipeTable, workspaceId: string, limit: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM ${table} WHERE workspace_id = $1 AND id IN (SELECT id FROM ${table} WHERE workspace_id = $1 LIMIT $2)`,
    [workspaceId, limit],
  );
  return rowCount;
}
