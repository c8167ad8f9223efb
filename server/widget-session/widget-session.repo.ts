import type { Db, Statement } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { KNOWLEDGE_DEFAULTS, type KnowledgeStrictness } from '../knowledge/knowledge-settings.repo.js';
import type { KeyFacts } from '../providers/provider-key.js';
import { themeSchema, type WidgetTheme } from './widget-session.schema.js';

/** What the widget settings cache holds per workspace (widget-settings-cache.ts). */
export interface WidgetSettings extends KeyFacts {
  allowedOrigins: string[];
  title: string;
  greeting: string;
  theme: WidgetTheme;
  /** null: the operator's default model. */
  model: string | null;
  systemPrompt: string;
  /** null: the operator's ceiling (MAX_REPLY_TOKENS). */
  maxReplyTokens: number | null;
  /**
   * The workspace has knowledge to answer from (a source with chunks): its messages are
   * grounded, and it answers with passages when the model cannot. Migration 0014 notifies
   * when this changes.
   */
  hasKnowledge: boolean;
  knowledgeStrictness: KnowledgeStrictness;
  knowledgeUnknownAnswer: string;
}

/**
 * The columns of a WidgetSettings, read from workspaces w LEFT JOIN widget_settings s
 * LEFT JOIN provider_keys k (the workspace's Mistral key); also part of the message
 * statement (server/chat/chat-accept.repo.ts), which reads them when the cache cannot.
 */
export const WIDGET_SETTINGS_COLUMNS = `s.allowed_origins, s.title, s.greeting, s.theme, s.model, s.system_prompt, s.max_reply_tokens,
       s.knowledge_strictness, s.knowledge_unknown_answer,
       EXISTS (SELECT 1 FROM knowledge_sources ks WHERE ks.workspace_id = w.id AND ks.chunk_count > 0) AS has_knowledge,
       w.operator_key_granted_at IS NOT NULL AS operator_key_granted, k.key_id, k.nonce, k.ciphertext`;

export interface WidgetSettingsRow {
  allowed_origins: string[] | null;
  title: string | null;
  greeting: string | null;
  theme: unknown;
  model: string | null;
  system_prompt: string | null;
  max_reply_tokens: number | null;
  knowledge_strictness: KnowledgeStrictness | null;
  knowledge_unknown_answer: string | null;
  has_knowledge: boolean;
  operator_key_granted: boolean;
  key_id: string | null;
  nonce: Uint8Array | null;
  ciphertext: Uint8Array | null;
}

// The column defaults of widget_settings, for a workspace that has no row yet.
const DEFAULT_TITLE = 'Chat with us';
const DEFAULT_GREETING = 'Hi! How can we help?';

export function toWidgetSettings(row: WidgetSettingsRow | undefined): WidgetSettings {
  // No widget_settings row: its columns come back null.
  const s = row && row.title !== null ? row : undefined;
  return {
    allowedOrigins: s?.allowed_origins ?? [],
    title: s?.title ?? DEFAULT_TITLE,
    greeting: s?.greeting ?? DEFAULT_GREETING,
    theme: themeSchema.parse(s?.theme ?? {}),
    model: row?.model ?? null,
    systemPrompt: row?.system_prompt ?? '',
    maxReplyTokens: row?.max_reply_tokens ?? null,
    hasKnowledge: row?.has_knowledge ?? false,
    knowledgeStrictness: row?.knowledge_strictness ?? KNOWLEDGE_DEFAULTS.strictness,
    knowledgeUnknownAnswer: row?.knowledge_unknown_answer ?? KNOWLEDGE_DEFAULTS.unknownAnswer,
    sealedKey: row?.key_id && row.nonce && row.ciphertext ? { keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext } : undefined,
    operatorKeyGranted: row?.operator_key_granted ?? false,
  };
}

const SELECT_WIDGET_SETTINGS: Statement = {
  name: 'widget_settings_cache_fill',
  text: `SELECT ${WIDGET_SETTINGS_COLUMNS}
           FROM workspaces w
           LEFT JOIN widget_settings s ON s.workspace_id = w.id
           LEFT JOIN provider_keys k ON k.workspace_id = w.id AND k.provider = 'mistral'
          WHERE w.id = $1`,
};

/** A workspace's widget settings and key facts in one statement; defaults (no origins) for a workspace that is gone. */
export async function findWidgetSettings(db: Db, workspaceId: string): Promise<WidgetSettings> {
  return withTenant(db, workspaceId, async (q) => toWidgetSettings((await q.query<WidgetSettingsRow>(SELECT_WIDGET_SETTINGS, [workspaceId])).rows[0]));
}

export async function findVisitorSecretHash(db: Db, workspaceId: string, visitorId: string): Promise<Uint8Array | undefined> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ secret_hash: Uint8Array }>('SELECT secret_hash FROM visitors WHERE workspace_id = $1 AND id = $2', [workspaceId, visitorId]);
    return rows[0]?.secret_hash;
  });
}

export async function touchVisitor(db: Db, workspaceId: string, visitorId: string): Promise<void> {
  await withTenant(db, workspaceId, (q) => q.query('UPDATE visitors SET last_seen_at = now() WHERE workspace_id = $1 AND id = $2', [workspaceId, visitorId]));
}

export async function insertVisitor(db: Db, workspaceId: string, secretHash: Uint8Array): Promise<string> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [workspaceId, secretHash]);
    return rows[0]!.id;
  });
}
