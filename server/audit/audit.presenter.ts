import type { AuditRow } from './audit.repo.js';

/** One audit event as admins see it; sign-ins from the platform log get ids of their own kind. */
export function presentAuditEvent(e: Omit<AuditRow, 'cursor_at'>) {
  return {
    id: e.src === 'w' ? String(e.id) : `signin-${e.id}`,
    actor: { label: e.actor_label, accountId: e.actor_account_id },
    action: e.action,
    targetType: e.target_type,
    targetId: e.target_id,
    ip: e.ip,
    before: e.before,
    after: e.after,
    createdAt: e.created_at.toISOString(),
  };
}
