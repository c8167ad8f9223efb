// The one statement that stores a reply once it has ended and counts its tokens
// (server/chat/chat-reply.service.ts). token_usage is the usage feature's table
// (server/usage/usage.repo.ts): its upsert is here so a reply costs one round trip.
import type { Queryable, Statement } from '../db/db.js';
import type { MessageSource } from '../knowledge/grounding/message-sources.js';

export interface StoredReply {
  content: string;
  status: 'complete' | 'incomplete';
  /** null: no model wrote it (a workspace's unknown-answer sentence). */
  model: string | null;
  promptTokens?: number;
  completionTokens?: number;
  /** What a grounded reply cites (messages.sources, migration 0014); undefined without knowledge. */
  sources?: MessageSource[] | undefined;
}

export interface ReplyStored {
  /** Undefined when no reply was given, or its conversation was deleted meanwhile. */
  replyId: string | undefined;
  /** The day's tokens after this reply's; undefined when none were counted. */
  used: number | undefined;
  exhaustedAt: Date | null;
  /** workspaces.daily_token_budget: the operator's override, null for the default. */
  override: number | null;
}

// The reply comes from its conversation row, so a deleted conversation stores nothing, and
// FOR KEY SHARE waits for a delete in progress and then skips its row (instead of failing
// the foreign key check), so a reply never resurrects it. Tokens count either way.
const STORE_REPLY: Statement = {
  name: 'chat_store_reply',
  text: `
WITH reply AS (
  INSERT INTO messages (workspace_id, conversation_id, role, content, status, model, prompt_tokens, completion_tokens, sources, created_at)
  SELECT workspace_id, id, 'assistant', $4::text, $5::text, $6::text, $7::int, $8::int, $12::jsonb, clock_timestamp() FROM conversations
   WHERE workspace_id = $1 AND id = $2 AND $3::boolean
     FOR KEY SHARE
  RETURNING id
),
touched AS (
  UPDATE conversations SET updated_at = now() WHERE workspace_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM reply)
),
counted AS (
  INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens)
  SELECT $1, $9::date, $10::bigint, $11::bigint WHERE $10::bigint + $11::bigint > 0
  ON CONFLICT (workspace_id, day) DO UPDATE
    SET prompt_tokens = token_usage.prompt_tokens + EXCLUDED.prompt_tokens,
        completion_tokens = token_usage.completion_tokens + EXCLUDED.completion_tokens
  RETURNING (prompt_tokens + completion_tokens)::float8 AS used, exhausted_at
)
SELECT (SELECT id FROM reply) AS "replyId",
       (SELECT used FROM counted) AS used,
       (SELECT exhausted_at FROM counted) AS "exhaustedAt",
       (SELECT daily_token_budget::float8 FROM workspaces WHERE id = $1) AS override`,
};

/** Stores the reply (if given) and adds the tokens to the day's counters, in the caller's tenant transaction. */
export async function storeReplyRow(
  q: Queryable,
  ids: { workspaceId: string; conversationId: string },
  reply: StoredReply | undefined,
  tokens: { day: string; promptTokens: number; completionTokens: number },
): Promise<ReplyStored> {
  const { rows } = await q.query<{ replyId: string | null; used: number | null; exhaustedAt: Date | null; override: number | null }>(STORE_REPLY, [
    ids.workspaceId, ids.conversationId, reply !== undefined, reply?.content ?? '', reply?.status ?? 'complete', reply?.model ?? null,
    reply?.promptTokens ?? null, reply?.completionTokens ?? null, tokens.day, tokens.promptTokens, tokens.completionTokens,
    reply?.sources ? JSON.stringify(reply.sources) : null,
  ]);
  const row = rows[0]!;
  return { replyId: row.replyId ?? undefined, used: row.used ?? undefined, exhaustedAt: row.exhaustedAt, override: row.override };
}
