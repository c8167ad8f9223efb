import { changedFields, recordAudit, type AuditActor } from '../audit/audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { themeSchema } from '../widget-session/widget-session.schema.js';
import * as repo from './settings.repo.js';
import { ADMIN_FIELDS, MISTRAL_MODELS, type Position, type SettingsPatch } from './settings.schema.js';
import { assertRole, type WorkspaceContext } from './workspace-context.js';

/** A workspace's widget and reply settings, as the admin API names them. */
export interface Settings {
  allowedOrigins: string[];
  title: string;
  greeting: string;
  color: string;
  position: Position;
  systemPrompt: string;
  model: string | null;
  retentionDays: number;
  /** Null: the server's ceiling (MAX_REPLY_TOKENS). */
  maxReplyTokens: number | null;
  updatedAt: Date;
}

/** The models a workspace may pick: the operator's default first, then the built-in list. */
export function allowedModels(config: Config): string[] {
  return [...new Set([config.mistral.model, ...MISTRAL_MODELS])];
}

function toSettings(row: repo.SettingsRow): Settings {
  const theme = themeSchema.parse(row.theme);
  return {
    allowedOrigins: row.allowed_origins,
    title: row.title,
    greeting: row.greeting,
    color: theme.color.toLowerCase(),
    position: `bottom-${theme.position}`,
    systemPrompt: row.system_prompt,
    model: row.model,
    retentionDays: row.retention_days,
    maxReplyTokens: row.max_reply_tokens,
    updatedAt: row.updated_at,
  };
}

export async function getSettings(db: Db, workspace: WorkspaceContext): Promise<Settings> {
  return withTenant(db, workspace.id, async (q) => toSettings(await repo.loadSettings(q, workspace.id)));
}

/**
 * Applies a validated patch. Origins and retention need admin; the rest member (the
 * route's role). One `settings.updated` audit event with the changed fields' before and
 * after, in the same transaction. The widget reads settings from the database on every
 * request, so a change applies to the next config or session request at once.
 */
export async function updateSettings(db: Db, workspace: WorkspaceContext, actor: AuditActor, patch: SettingsPatch): Promise<Settings> {
  if (ADMIN_FIELDS.some((field) => patch[field] !== undefined)) assertRole(workspace, 'admin');
  return withTenant(db, workspace.id, async (q) => {
    const row = await repo.loadSettings(q, workspace.id, { forUpdate: true });
    const current = toSettings(row);
    // Compares only the fields the patch names: updatedAt is never one of them.
    const changes = changedFields({ ...current }, patch);
    if (!changes) return current;
    const next = { ...current, ...definedOnly(patch) };
    const storedTheme = typeof row.theme === 'object' && row.theme !== null ? (row.theme as Record<string, unknown>) : {};
    const saved = await repo.saveSettings(q, workspace.id, {
      allowedOrigins: next.allowedOrigins,
      title: next.title,
      greeting: next.greeting,
      // Keeps theme fields the admin API does not edit (mode).
      theme: { ...storedTheme, color: next.color, position: next.position.replace(/^bottom-/, '') },
      systemPrompt: next.systemPrompt,
      model: next.model,
      retentionDays: next.retentionDays,
      maxReplyTokens: next.maxReplyTokens,
    });
    await recordAudit(q, workspace.id, actor, { action: 'settings.updated', targetType: 'workspace', targetId: workspace.id, ...changes });
    return toSettings(saved);
  });
}

function definedOnly<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
