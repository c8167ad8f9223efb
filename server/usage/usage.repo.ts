import type { Queryable } from '../db/db.js';

/** One workspace's day as the budget check needs it. */
export interface DayUsage {
  /** workspaces.daily_token_budget: the operator's override; null means DAILY_TOKEN_BUDGET. */
  override: number | null;
  promptTokens: number;
  completionTokens: number;
  exhaustedAt: Date | null;
}

/**
 * Today's counters (zero when nothing was used yet) and the workspace's budget override.
 * A reply's tokens are added by server/chat/chat-reply.repo.ts, in the statement that stores it.
 */
export async function readDayUsage(q: Queryable, workspaceId: string, day: string): Promise<DayUsage> {
  const { rows } = await q.query<DayUsage>(
    `SELECT w.daily_token_budget::float8 AS override,
            coalesce(u.prompt_tokens, 0)::float8 AS "promptTokens",
            coalesce(u.completion_tokens, 0)::float8 AS "completionTokens",
            u.exhausted_at AS "exhaustedAt"
       FROM workspaces w LEFT JOIN token_usage u ON u.workspace_id = w.id AND u.day = $2::date
      WHERE w.id = $1`,
    [workspaceId, day],
  );
  return rows[0] ?? { override: null, promptTokens: 0, completionTokens: 0, exhaustedAt: null };
}

/**
 * Marks the day spent if its tokens reach budget and it was not marked yet; returns the
 * tokens used when this call marked it. The row lock makes exactly one caller win.
 */
export async function markExhausted(q: Queryable, workspaceId: string, day: string, budget: number): Promise<number | undefined> {
  const { rows } = await q.query<{ used: number }>(
    `UPDATE token_usage SET exhausted_at = now()
      WHERE workspace_id = $1 AND day = $2::date AND exhausted_at IS NULL AND prompt_tokens + completion_tokens >= $3
      RETURNING (prompt_tokens + completion_tokens)::float8 AS used`,
    [workspaceId, day, budget],
  );
  return rows[0]?.used;
}

/** Sets the operator's budget override (null: the default); returns the previous one, undefined if no such workspace. */
export async function setBudgetOverride(q: Queryable, workspaceId: string, tokens: number | null): Promise<{ previous: number | null } | undefined> {
  const { rows } = await q.query<{ previous: number | null }>(
    'SELECT daily_token_budget::float8 AS previous FROM workspaces WHERE id = $1 FOR UPDATE',
    [workspaceId],
  );
  if (!rows[0]) return undefined;
  await q.query('UPDATE workspaces SET daily_token_budget = $2 WHERE id = $1', [workspaceId, tokens]);
  return rows[0];
}

export async function workspaceExists(q: Queryable, workspaceId: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId]);
  return rows.length > 0;
}

/** An operator action in the platform audit log. */
export async function insertPlatformAudit(q: Queryable, e: { action: string; target: string; details: Record<string, unknown> }): Promise<void> {
  await q.query("INSERT INTO platform_audit_events (actor, action, target, details) VALUES ('operator', $1, $2, $3)", [e.action, e.target, JSON.stringify(e.details)]);
}
