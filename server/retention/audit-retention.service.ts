import type { Db, Queryable } from '../db/db.js';
import { withoutTenant } from '../db/tenant.js';
import type { AuditRetention } from '../audit/audit-retention.js';
import { deleteExpiredAudit, insertAuditRetentionEvent, truncateAuditPersonalData } from './audit-retention.repo.js';

export interface AuditRetentionCounts {
  /** Audit rows whose address was truncated or email cleared. */
  truncated: number;
  /** Audit rows deleted. */
  deleted: number;
}

/**
 * Deletes expired rows, then cuts addresses and emails in the older of the rest, across
 * both audit logs, in batches of batchSize rows each in its own short transaction;
 * records one platform event with the counts when anything changed. Stops between
 * batches when signal aborts.
 */
export async function pruneAudit(db: Db, periods: AuditRetention, batchSize: number, signal?: AbortSignal): Promise<AuditRetentionCounts> {
  const counts: AuditRetentionCounts = { truncated: 0, deleted: 0 };
  const steps: [keyof AuditRetentionCounts, (q: Queryable) => Promise<number>][] = [
    ['deleted', (q) => deleteExpiredAudit(q, periods.retentionDays, batchSize)],
    ['truncated', (q) => truncateAuditPersonalData(q, periods.ipTruncateDays, batchSize)],
  ];
  // Deleting first spares cutting rows about to go.
  for (const [kind, step] of steps) {
    for (;;) {
      if (signal?.aborted) break;
      const n = await withoutTenant(db, step);
      counts[kind] += n;
      if (n < batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (counts.truncated + counts.deleted > 0) {
    await withoutTenant(db, (q) => insertAuditRetentionEvent(q, { ...counts, ...periods }));
  }
  return counts;
}
