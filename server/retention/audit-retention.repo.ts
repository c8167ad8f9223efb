import type { Queryable } from '../db/db.js';

// The runtime role cannot change or delete audit rows (migration 0001); these call the
// two functions of migration 0010 that can, and do nothing else. Run in withoutTenant:
// each covers both audit logs, across workspaces.

/** Truncates addresses and clears emails in up to limit audit rows older than days; returns how many. */
export async function truncateAuditPersonalData(q: Queryable, days: number, limit: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT parley_audit_truncate($1::int, $2::int) AS n', [days, limit]);
  return rows[0]!.n;
}

/** Deletes up to limit audit rows older than days; returns how many. */
export async function deleteExpiredAudit(q: Queryable, days: number, limit: number): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT parley_audit_expire($1::int, $2::int) AS n', [days, limit]);
  return rows[0]!.n;
}

/** One platform audit event per run that changed something: counts and periods, nothing personal. */
export async function insertAuditRetentionEvent(q: Queryable, details: { truncated: number; deleted: number; ipTruncateDays: number; retentionDays: number }): Promise<void> {
  await q.query("INSERT INTO platform_audit_events (actor, action, details) VALUES ('retention', 'audit.retention', $1)", [JSON.stringify(details)]);
}
