import type { AuditRetention } from '../audit/audit-retention.js';
import type { Db } from '../db/db.js';
import type { Logger } from '../logging.js';
import { runRetention } from './retention.service.js';

export interface RetentionSchedule {
  /** Cancels future runs and waits for the one in progress, which stops at its next batch. */
  stop(): Promise<void>;
}

/**
 * Runs retention now, in the background, and then every intervalMinutes; 0 disables
 * both (run `npm run retention` from cron instead). A failed run is logged and the
 * next interval tries again.
 */
export function startRetentionSchedule(db: Db, logger: Logger, intervalMinutes: number, audit?: AuditRetention): RetentionSchedule {
  if (intervalMinutes <= 0) return { stop: async () => {} };
  const abort = new AbortController();
  let current: Promise<void> | undefined;
  const tick = () => {
    if (current || abort.signal.aborted) return;
    current = runRetention(db, { signal: abort.signal, logger, ...(audit ? { audit } : {}) })
      .then((run) => {
        if (!run) logger.debug('retention: another instance is running it; skipped');
        else if (run.totals.messages + run.totals.conversations + run.totals.visitors + run.audit.truncated + run.audit.deleted > 0 || run.failed > 0) {
          const auditCounts = { auditTruncated: run.audit.truncated, auditDeleted: run.audit.deleted };
          logger.info({ workspaces: run.workspaces.length, ...run.totals, ...auditCounts, failed: run.failed, interrupted: run.interrupted }, 'retention run finished');
        }
      })
      .catch((err: unknown) => logger.error({ err }, 'retention run failed; retrying at the next interval'))
      .finally(() => (current = undefined));
  };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, intervalMinutes * 60_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      abort.abort();
      clearTimeout(first);
      clearInterval(timer);
      await current;
    },
  };
}
