import type { Db, Queryable } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { storeReplyRow, type StoredReply } from './chat-reply.repo.js';

export interface ConversationRow {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageRow {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  status: 'complete' | 'incomplete' | 'error';
  createdAt: Date;
  /** messages.sources as stored (a grounded reply's citations), or null; read it with readMessageSources. */
  sources?: unknown;
}

const MESSAGE_COLUMNS = 'id, role, content, status, created_at AS "createdAt", sources';
// The conversation, only if it is this visitor's: another visitor's looks like no conversation.
const OWN_CONVERSATION = 'SELECT 1 FROM conversations WHERE workspace_id = $1 AND id = $2 AND visitor_id = $3';

/**
 * A new conversation, or the visitor's newest empty one when it already has maxEmpty
 * empty ones (so a flood of creations adds no rows). The visitor's row is locked first,
 * so concurrent requests count the same empty conversations. Undefined when the visitor
 * no longer exists (deleted by retention while its token lives).
 */
export async function insertConversation(
  db: Db,
  workspaceId: string,
  visitorId: string,
  maxEmpty: number,
): Promise<{ conversation: ConversationRow; created: boolean } | undefined> {
  return withTenant(db, workspaceId, async (q) => {
    const visitor = await q.query('SELECT 1 FROM visitors WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [workspaceId, visitorId]);
    if (visitor.rows.length === 0) return undefined;
    const { rows: empty } = await q.query<ConversationRow>(
      `SELECT c.id, c.created_at AS "createdAt", c.updated_at AS "updatedAt" FROM conversations c
        WHERE c.workspace_id = $1 AND c.visitor_id = $2
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id)
        ORDER BY c.created_at DESC, c.id DESC LIMIT $3`,
      [workspaceId, visitorId, maxEmpty],
    );
    if (empty.length >= maxEmpty) return { conversation: empty[0]!, created: false };
    const { rows } = await q.query<ConversationRow>(
      `INSERT INTO conversations (workspace_id, visitor_id) VALUES ($1, $2)
       RETURNING id, created_at AS "createdAt", updated_at AS "updatedAt"`,
      [workspaceId, visitorId],
    );
    return { conversation: rows[0]!, created: true };
  });
}

export async function findConversations(db: Db, workspaceId: string, visitorId: string, limit: number): Promise<ConversationRow[]> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<ConversationRow>(
      `SELECT id, created_at AS "createdAt", updated_at AS "updatedAt" FROM conversations
        WHERE workspace_id = $1 AND visitor_id = $2 ORDER BY updated_at DESC, created_at DESC LIMIT $3`,
      [workspaceId, visitorId, limit],
    );
    return rows;
  });
}

/** Undefined when the conversation is not this visitor's. */
export async function findMessages(db: Db, workspaceId: string, visitorId: string, conversationId: string): Promise<MessageRow[] | undefined> {
  return withTenant(db, workspaceId, async (q) => {
    const own = await q.query(OWN_CONVERSATION, [workspaceId, conversationId, visitorId]);
    if (own.rows.length === 0) return undefined;
    const { rows } = await q.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY created_at, id`,
      [workspaceId, conversationId],
    );
    return rows;
  });
}

/**
 * Stores a reply once, when it has ended one way or another; undefined if the conversation
 * was deleted meanwhile. The statement the reply path runs (chat-reply.repo.ts), counting no tokens.
 */
export async function insertAssistantMessage(
  db: Db,
  ids: { workspaceId: string; conversationId: string },
  reply: StoredReply,
): Promise<string | undefined> {
  const tokens = { day: new Date().toISOString().slice(0, 10), promptTokens: 0, completionTokens: 0 };
  return (await withTenant(db, ids.workspaceId, (q) => storeReplyRow(q, ids, reply, tokens))).replyId;
}

/**
 * Deletes the conversation (its messages cascade) only if it is this visitor's, and writes one audit
 * event with the counts, never any content; deleting an empty one is not audited (it held nothing, and
 * the append-only log must not grow with a flood of them). Undefined when it is not this visitor's:
 * nothing is deleted.
 */
export async function deleteOwnConversation(
  db: Db,
  ids: { workspaceId: string; visitorId: string; conversationId: string },
): Promise<{ messages: number } | undefined> {
  const { workspaceId, visitorId, conversationId } = ids;
  return withTenant(db, workspaceId, async (q) => {
    const deleted = await deleteConversationRows(q, workspaceId, conversationId, visitorId);
    if (!deleted) return undefined;
    if (deleted.messages === 0) return deleted;
    await q.query(
      `INSERT INTO audit_events (workspace_id, actor_label, action, target_type, target_id, after)
       VALUES ($1, 'visitor', 'conversation.deleted_by_visitor', 'conversation', $2, jsonb_build_object('messages', $3::int))`,
      [workspaceId, conversationId, deleted.messages],
    );
    return deleted;
  });
}

/**
 * Deletes one conversation (its messages cascade) in the caller's tenant transaction and counts its messages;
 * only the given visitor's when visitorId is set (the admin panel passes none). Undefined when there is no
 * such conversation. The row is locked first, so no message lands between counting and deleting, and a reply
 * still streaming waits in insertAssistantMessage's FOR KEY SHARE and then stores nothing.
 */
export async function deleteConversationRows(q: Queryable, workspaceId: string, conversationId: string, visitorId?: string): Promise<{ messages: number } | undefined> {
  const target = 'workspace_id = $1 AND id = $2 AND ($3::uuid IS NULL OR visitor_id = $3::uuid)';
  const params = [workspaceId, conversationId, visitorId ?? null];
  const found = await q.query(`SELECT 1 FROM conversations WHERE ${target} FOR UPDATE`, params);
  if (found.rows.length === 0) return undefined;
  const { rows: [count] } = await q.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 AND conversation_id = $2',
    [workspaceId, conversationId],
  );
  await q.query(`DELETE FROM conversations WHERE ${target}`, params);
  return { messages: count!.n };
}
