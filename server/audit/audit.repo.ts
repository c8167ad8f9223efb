import type { Queryable } from '../db/db.js';

// Reads of a workspace's audit log, in its tenant transaction.

export interface AuditRow {
  /** 'w': an audit_events row; 'p': a member's sign-in from platform_audit_events. */
  src: 'w' | 'p';
  id: number;
  actor_account_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  created_at: Date;
  /** created_at with microseconds, for the next page's cursor. */
  cursor_at: string;
}

export interface AuditPage {
  action?: string | undefined;
  after?: { at: string; src: 'w' | 'p'; id: number } | undefined;
  limit: number;
}

/**
 * Account events are per account; these are the ones a workspace's admins see (see
 * audit.service.ts): signed in, wrong password, a wrong second factor while signing in
 * (not while turning MFA on or off), and changes to the account's second factor.
 */
const SIGN_IN_EVENTS = `(p.action IN ('auth.sign_in', 'auth.sign_in_failed', 'auth.mfa_enabled', 'auth.mfa_disabled',
                                   'auth.mfa_recovery_codes_regenerated', 'auth.mfa_recovery_code_used')
                        OR (p.action = 'auth.mfa_failed' AND p.details ->> 'step' = 'sign_in'))`;

// The workspace's own events, then its current members' sign-ins and failed sign-ins since
// they joined, read-only from the platform log (no RLS there; the runtime role may read
// it), their details but the IP shown as `after` (reason, mfa: never secrets).
// memberships is tenant-filtered, so no other workspace's member can appear.
const EVENTS = `
  SELECT 'w' AS src, e.id, e.actor_account_id, e.actor_label, e.action, e.target_type, e.target_id,
         e.ip, e.before, e.after, e.created_at
    FROM audit_events e WHERE e.workspace_id = $1
  UNION ALL
  SELECT 'p', p.id, m.account_id, a.email, p.action, 'account', m.account_id::text,
         p.details ->> 'ip', NULL::jsonb,
         nullif(coalesce(p.details, '{}'::jsonb) - 'ip', '{}'::jsonb),
         p.created_at
    FROM memberships m
    JOIN accounts a ON a.id = m.account_id
    JOIN platform_audit_events p ON p.actor = 'account:' || m.account_id::text AND p.created_at >= m.created_at
   WHERE m.workspace_id = $1 AND ${SIGN_IN_EVENTS}`;

/** Newest first; ties (one transaction's events share created_at) broken by source and id. */
export async function listEvents(q: Queryable, workspaceId: string, page: AuditPage): Promise<AuditRow[]> {
  const params: unknown[] = [workspaceId, page.limit];
  const where: string[] = [];
  if (page.action) {
    params.push(page.action);
    where.push(`starts_with(x.action, $${params.length})`);
  }
  if (page.after) {
    params.push(page.after.at, page.after.src, page.after.id);
    const n = params.length;
    where.push(`(x.created_at, x.src, x.id) < ($${n - 2}::timestamptz, $${n - 1}::text, $${n}::bigint)`);
  }
  const { rows } = await q.query<AuditRow>(
    `SELECT x.*, to_json(x.created_at) #>> '{}' AS cursor_at FROM (${EVENTS}) x
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY x.created_at DESC, x.src DESC, x.id DESC LIMIT $2`,
    params,
  );
  return rows;
}
