import type { AuditRow } from '../audit/audit.repo.js';
import type { Queryable } from '../db/db.js';
import { listInvitations, listMembers, type InvitationRow, type MemberRow } from '../workspaces/members.repo.js';

export type ExportAuditRow = Omit<AuditRow, 'cursor_at'>;

// Reads for exports, each inside withTenant. Batches are keyset-paged on (created_at, id)
// and bounded by the export's start, so every conversation that existed then and still
// exists is written exactly once, and nothing created later slips in.

export interface ExportBounds {
  /** The database clock when the export started, to the microsecond (UTC). */
  startedAt: string;
  conversations: number;
  messages: number;
  /** The newest audit event when the export started. */
  lastAuditId: number;
}

export interface ExportConversationRow {
  id: string;
  visitor_id: string;
  created_at: Date;
  updated_at: Date;
  position: string;
}

export interface ExportMessageRow {
  id: string;
  conversation_id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** What a grounded reply cited (migration 0014); null when it used no knowledge. */
  sources: unknown;
  created_at: Date;
}

const UTC_MICROS = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;

export async function exportBounds(q: Queryable, workspaceId: string): Promise<ExportBounds> {
  const { rows: [row] } = await q.query<{ started_at: string; conversations: number; messages: number; last_audit_id: number }>(
    `SELECT ${UTC_MICROS('now()')} AS started_at,
            (SELECT count(*)::int FROM conversations WHERE workspace_id = $1) AS conversations,
            (SELECT count(*)::int FROM messages WHERE workspace_id = $1) AS messages,
            (SELECT coalesce(max(id), 0)::bigint FROM audit_events WHERE workspace_id = $1) AS last_audit_id`,
    [workspaceId],
  );
  return { startedAt: row!.started_at, conversations: row!.conversations, messages: row!.messages, lastAuditId: Number(row!.last_audit_id) };
}

/** Oldest first, after the given position (created_at text, id), created no later than the export's start. */
export async function conversationBatch(
  q: Queryable,
  workspaceId: string,
  startedAt: string,
  after: { position: string; id: string } | undefined,
  limit: number,
): Promise<ExportConversationRow[]> {
  const { rows } = await q.query<ExportConversationRow>(
    `SELECT id, visitor_id, created_at, updated_at, ${UTC_MICROS('created_at')} AS position FROM conversations
      WHERE workspace_id = $1 AND created_at <= $2::timestamp AT TIME ZONE 'UTC'
        AND ($3::timestamp IS NULL OR (created_at, id) > ($3::timestamp AT TIME ZONE 'UTC', $4::uuid))
      ORDER BY created_at, id LIMIT $5`,
    [workspaceId, startedAt, after?.position ?? null, after?.id ?? null, limit],
  );
  return rows;
}

/** Every message of the given conversations, in conversation order as given by the caller's grouping. */
export async function messagesOf(q: Queryable, workspaceId: string, conversationIds: string[]): Promise<ExportMessageRow[]> {
  const { rows } = await q.query<ExportMessageRow>(
    `SELECT id, conversation_id, role, content, status, model, prompt_tokens, completion_tokens, sources, created_at FROM messages
      WHERE workspace_id = $1 AND conversation_id = ANY($2::uuid[]) ORDER BY created_at, id`,
    [workspaceId, conversationIds],
  );
  return rows;
}

/** The workspace's own audit events, in the shape the audit log presents (server/audit/). */
export async function auditBatch(q: Queryable, workspaceId: string, afterId: number, lastId: number, limit: number): Promise<ExportAuditRow[]> {
  const { rows } = await q.query<ExportAuditRow>(
    `SELECT 'w' AS src, id, actor_account_id, actor_label, action, target_type, target_id, ip, before, after, created_at FROM audit_events
      WHERE workspace_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`,
    [workspaceId, afterId, lastId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export interface WorkspaceParts {
  workspace: { id: string; public_id: string; name: string; require_mfa: boolean; created_at: Date };
  settings: Record<string, unknown> | undefined;
  members: MemberRow[];
  invitations: InvitationRow[];
  apiKeys: Record<string, unknown>[];
  providerKey: Record<string, unknown> | undefined;
}

/** Everything but conversations and the audit log, read in one transaction. Secret columns are never selected. */
export async function workspaceParts(q: Queryable, workspaceId: string): Promise<WorkspaceParts> {
  const one = async <R>(sql: string) => (await q.query<R>(sql, [workspaceId])).rows;
  const [workspace] = await one<WorkspaceParts['workspace']>('SELECT id, public_id, name, require_mfa, created_at FROM workspaces WHERE id = $1');
  const [settings] = await one<Record<string, unknown>>(
    `SELECT allowed_origins AS "allowedOrigins", title, greeting, theme, system_prompt AS "systemPrompt", model,
            retention_days AS "retentionDays", updated_at AS "updatedAt" FROM widget_settings WHERE workspace_id = $1`,
  );
  const apiKeys = await one<Record<string, unknown>>(
    `SELECT id, name, scope, prefix, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"
       FROM api_keys WHERE workspace_id = $1 ORDER BY created_at, id`,
  );
  const [providerKey] = await one<Record<string, unknown>>(
    `SELECT provider, last4, updated_at AS "updatedAt" FROM provider_keys WHERE workspace_id = $1 ORDER BY provider LIMIT 1`,
  );
  return {
    workspace: workspace!,
    settings,
    members: await listMembers(q, workspaceId),
    invitations: await listInvitations(q, workspaceId),
    apiKeys,
    providerKey,
  };
}
