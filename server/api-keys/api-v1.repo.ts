import type { Queryable } from '../db/db.js';

// Conversations as a server-to-server client reads them, in the key's tenant transaction.

export interface ApiConversationRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  message_count: number;
  /** created_at with microseconds, for the next page's cursor (a Date keeps only milliseconds). */
  cursor_at: string;
}

const CONVERSATION = `SELECT c.id, c.created_at, c.updated_at, to_json(c.created_at) #>> '{}' AS cursor_at,
         (SELECT count(*)::int FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id) AS message_count
    FROM conversations c`;

/** Newest first by creation (stable while conversations grow), after the cursor (created_at, id) when given. */
export async function listConversations(
  q: Queryable,
  workspaceId: string,
  page: { after?: { at: string; id: string } | undefined; limit: number },
): Promise<ApiConversationRow[]> {
  const params: unknown[] = [workspaceId, page.limit];
  let where = 'c.workspace_id = $1';
  if (page.after) {
    params.push(page.after.at, page.after.id);
    where += ' AND (c.created_at, c.id) < ($3::timestamptz, $4::uuid)';
  }
  const { rows } = await q.query<ApiConversationRow>(`${CONVERSATION} WHERE ${where} ORDER BY c.created_at DESC, c.id DESC LIMIT $2`, params);
  return rows;
}
