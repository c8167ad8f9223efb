import type { Queryable } from '../db/db.js';

export interface SettingsRow {
  allowed_origins: string[];
  title: string;
  greeting: string;
  theme: unknown;
  system_prompt: string;
  model: string | null;
  retention_days: number;
  max_reply_tokens: number | null;
  updated_at: Date;
}

const COLUMNS = 'allowed_origins, title, greeting, theme, system_prompt, model, retention_days, max_reply_tokens, updated_at';

/**
 * The workspace's settings row, created with the column defaults if it has none
 * (workspaces made before settings existed). With forUpdate, locked until the
 * transaction ends, so concurrent changes cannot interleave their before/after.
 */
export async function loadSettings(q: Queryable, workspaceId: string, options: { forUpdate?: boolean } = {}): Promise<SettingsRow> {
  await q.query('INSERT INTO widget_settings (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING', [workspaceId]);
  const { rows } = await q.query<SettingsRow>(
    `SELECT ${COLUMNS} FROM widget_settings WHERE workspace_id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [workspaceId],
  );
  return rows[0]!;
}

export interface SettingsColumns {
  allowedOrigins: string[];
  title: string;
  greeting: string;
  theme: Record<string, unknown>;
  systemPrompt: string;
  model: string | null;
  retentionDays: number;
  maxReplyTokens: number | null;
}

export async function saveSettings(q: Queryable, workspaceId: string, s: SettingsColumns): Promise<SettingsRow> {
  const { rows } = await q.query<SettingsRow>(
    `UPDATE widget_settings
        SET allowed_origins = $2, title = $3, greeting = $4, theme = $5, system_prompt = $6, model = $7, retention_days = $8,
            max_reply_tokens = $9, updated_at = now()
      WHERE workspace_id = $1
      RETURNING ${COLUMNS}`,
    [workspaceId, s.allowedOrigins, s.title, s.greeting, JSON.stringify(s.theme), s.systemPrompt, s.model, s.retentionDays, s.maxReplyTokens],
  );
  return rows[0]!;
}
