import type { AuditRetention } from '../audit/audit-retention.js';
import type { Db } from '../db/db.js';
import { startSchedule, type Schedule } from '../jobs/schedule.js';
import type { Logger } from '../logging.js';
import { runRetentionHoldingLock } from './retention.service.js';

export type RetentionSchedule = Schedule;

/**
 * Runs retention every intervalMs, once across all instances on the database
 * (server/jobs/schedule.ts): at start-up when the last run started an interval ago or
 * more, or never ran. 0 disables it (run `npm run retention` from cron instead). A
 * failed run is logged and the next interval tries again.
 */
export function startRetentionSchedule(db: Db, logger: Logger, intervalMs: number, audit?: AuditRetention): RetentionSchedule {
  return startSchedule(db, logger, {
    name: 'retention',
    async run(signal) {
      const run = await runRetentionHoldingLock(db, { signal, logger, ...(audit ? { audit } : {}) });
      if (run.totals.messages + run.totals.conversations + run.totals.visitors + run.audit.truncated + run.audit.deleted > 0 || run.failed > 0) {
        const auditCounts = { auditTruncated: run.audit.truncated, auditDeleted: run.audit.deleted };
        logger.info({ workspaces: run.workspaces.length, ...run.totals, ...auditCounts, failed: run.failed, interrupted: run.interrupted }, 'retention run finished');
      }
      return run.failed > 0 ? 'failed' : run.interrupted ? 'interrupted' : 'succeeded';
    },
  }, intervalMs);
}
