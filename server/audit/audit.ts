import type { Queryable } from '../db/db.js';

/** Who did something: an admin (account id and email), a visitor, or a job. */
export interface AuditActor {
  accountId: string | null;
  label: string;
  ip: string | null;
}

export interface AuditEvent {
  /** `area.verb`, e.g. `settings.updated`, `member.removed`. */
  action: string;
  targetType?: string;
  targetId?: string;
  /** Changed fields only, never secret values. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Appends one audit event in the caller's tenant transaction, so the event and the
 * change it records commit together or not at all. The runtime role may only insert
 * and read audit_events (migration 0001): the trail is append-only.
 */
export async function recordAudit(q: Queryable, workspaceId: string, actor: AuditActor, event: AuditEvent): Promise<void> {
  await q.query(
    `INSERT INTO audit_events (workspace_id, actor_account_id, actor_label, action, target_type, target_id, ip, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      workspaceId,
      actor.accountId,
      actor.label,
      event.action,
      event.targetType ?? null,
      event.targetId ?? null,
      actor.ip,
      event.before === undefined || event.before === null ? null : JSON.stringify(event.before),
      event.after === undefined || event.after === null ? null : JSON.stringify(event.after),
    ],
  );
}

/** The fields of next that differ from prev, as {before, after}; undefined when nothing changed. */
export function changedFields<T extends Record<string, unknown>>(prev: T, next: Partial<T>): { before: Partial<T>; after: Partial<T> } | undefined {
  const before: Partial<T> = {};
  const after: Partial<T> = {};
  for (const key of Object.keys(next) as (keyof T)[]) {
    if (next[key] === undefined || JSON.stringify(prev[key]) === JSON.stringify(next[key])) continue;
    before[key] = prev[key];
    after[key] = next[key];
  }
  return Object.keys(after).length > 0 ? { before, after } : undefined;
}
