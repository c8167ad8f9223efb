// The one statement that takes a visitor's message (server/chat/chat-accept.service.ts).
import type { Queryable, Statement } from '../db/db.js';
import type { OperatorKeyRule } from '../providers/provider-key.js';
import { WIDGET_SETTINGS_COLUMNS, type WidgetSettingsRow } from '../widget-session/widget-session.repo.js';
import type { MessageRow } from './chat.repo.js';

export interface AcceptInput {
  workspaceId: string;
  conversationId: string;
  visitorId: string;
  content: string;
  /** Today, UTC (YYYY-MM-DD): the budget's day. */
  day: string;
  /** DAILY_TOKEN_BUDGET, for a workspace without the operator's override; 0 is no limit. */
  defaultBudget: number;
  /** A conversation holding this many messages takes no more. */
  maxMessages: number;
  operatorKey: OperatorKeyRule;
}

/**
 * What deciding on the message needed, and the message if every check passed and it was
 * inserted; with settings read, also every column of a WidgetSettingsRow.
 */
export interface AcceptRow extends Partial<WidgetSettingsRow> {
  /** The conversation exists and is this visitor's. */
  found: boolean;
  messageCount: number;
  /** workspaces.daily_token_budget: the operator's override, null for the default. */
  override: number | null;
  /** Today's tokens so far. */
  used: number;
  exhaustedAt: Date | null;
  /** A source with chunks: the message is taken even without a key or budget (its passages answer). */
  hasKnowledge: boolean;
  operator_key_granted: boolean;
  key_id: string | null;
  nonce: Uint8Array | null;
  ciphertext: Uint8Array | null;
  /** Inserted: every check in SQL passed. */
  messageId: string | null;
  messageCreatedAt: Date | null;
  /** The conversation before this message, oldest first; null unless inserted. */
  history: Pick<MessageRow, 'role' | 'content'>[] | null;
}

// Ownership, the message count, today's usage and budget, the provider key or the
// operator's grant, whether the workspace has knowledge, then the insert, only if the
// conversation is the visitor's, not full, and within budget with a key or with knowledge
// to answer from without the model (what SQL cannot check, a key that does not unseal or an
// origin refused, is the caller's: it rolls back), the conversation's updated_at, and
// the history. A data-modifying CTE's row is not seen by the other parts of the same
// statement: the history is the messages before this one.
const acceptText = (withSettings: boolean) => `
WITH own AS (
  SELECT id FROM conversations WHERE workspace_id = $1 AND id = $2 AND visitor_id = $3
),
earlier AS (
  SELECT role, content, created_at, id FROM messages
   WHERE workspace_id = $1 AND conversation_id = $2 AND EXISTS (SELECT 1 FROM own)
),
facts AS (
  SELECT (SELECT count(*) FROM earlier)::int AS "messageCount",
         w.daily_token_budget::float8 AS override,
         coalesce(w.daily_token_budget, $6::bigint)::float8 AS budget,
         coalesce(u.prompt_tokens + u.completion_tokens, 0)::float8 AS used,
         u.exhausted_at AS "exhaustedAt",
         EXISTS (SELECT 1 FROM knowledge_sources ks WHERE ks.workspace_id = w.id AND ks.chunk_count > 0) AS "hasKnowledge",
         ${withSettings ? WIDGET_SETTINGS_COLUMNS : 'w.operator_key_granted_at IS NOT NULL AS operator_key_granted, k.key_id, k.nonce, k.ciphertext'}
    FROM workspaces w
    LEFT JOIN token_usage u ON u.workspace_id = w.id AND u.day = $5::date
    LEFT JOIN provider_keys k ON k.workspace_id = w.id AND k.provider = 'mistral'
    ${withSettings ? 'LEFT JOIN widget_settings s ON s.workspace_id = w.id' : ''}
   WHERE w.id = $1
),
accepted AS (
  INSERT INTO messages (workspace_id, conversation_id, role, content, status, created_at)
  SELECT $1, own.id, 'user', $4::text, 'complete', clock_timestamp() FROM own, facts
   WHERE facts."messageCount" < $7::int
     AND (facts."hasKnowledge" OR (
       (facts.budget <= 0 OR facts.used < facts.budget)
       AND (facts.key_id IS NOT NULL OR $8::text = 'always' OR ($8::text = 'granted' AND facts.operator_key_granted))))
  RETURNING id, created_at
),
touched AS (
  UPDATE conversations SET updated_at = now() WHERE workspace_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM accepted)
)
SELECT EXISTS (SELECT 1 FROM own) AS found, facts.*,
       (SELECT id FROM accepted) AS "messageId",
       (SELECT created_at FROM accepted) AS "messageCreatedAt",
       (SELECT coalesce(json_agg(json_build_object('role', role, 'content', content) ORDER BY created_at, id), '[]')
          FROM earlier WHERE EXISTS (SELECT 1 FROM accepted)) AS history
  FROM facts`;

const ACCEPT: Statement = { name: 'chat_accept_message', text: acceptText(false) };
const ACCEPT_WITH_SETTINGS: Statement = { name: 'chat_accept_message_settings', text: acceptText(true) };

/**
 * Runs the statement in the caller's tenant transaction; withSettings also reads the
 * workspace's widget settings (the cache did not hold them). Undefined when the workspace is gone.
 */
export async function acceptMessageRow(q: Queryable, input: AcceptInput, withSettings: boolean): Promise<AcceptRow | undefined> {
  const { rows } = await q.query<AcceptRow>(withSettings ? ACCEPT_WITH_SETTINGS : ACCEPT, [
    input.workspaceId, input.conversationId, input.visitorId, input.content, input.day, input.defaultBudget, input.maxMessages, input.operatorKey,
  ]);
  return rows[0];
}
