// Scheduled re-syncs: every few minutes, once across all instances (server/jobs/schedule.ts),
// a sync is queued for each source whose next_sync_at has passed, and for each left pending
// or processing with no job behind it any more. Queuing is idempotent (one waiting job per
// source), so a source found twice is synced once. Nothing is audited: the admin who set
// the interval was (the service audits adding and changing sources); last_synced_at shows the runs.
import type { Db } from '../../db/db.js';
import { startSchedule, type Schedule } from '../../jobs/schedule.js';
import type { Logger } from '../../logging.js';
import { listDueSources } from '../knowledge-sync-view.js';
import type { EnqueueSync } from './enqueue-sync.js';
import { listStaleSources } from './ingest.repo.js';

/** How often due sources are looked for; intervals are whole hours, so minutes late is on time. */
export const SYNC_SCHEDULE_INTERVAL_MS = 5 * 60_000;
/**
 * A pending or processing source untouched this long has lost its job: longer than a sync
 * waits between pages or for one document's extraction (10 minutes at most).
 */
export const STALE_AFTER_MINUTES = 30;
/** Sources queued per run; more wait for the next run. */
const BATCH = 500;

export function startSyncSchedule(db: Db, logger: Logger, enqueueSync: EnqueueSync, intervalMs = SYNC_SCHEDULE_INTERVAL_MS): Schedule {
  return startSchedule(db, logger, {
    name: 'knowledge-sync',
    async run(signal) {
      const due = [...(await listDueSources(db, BATCH)), ...(await listStaleSources(db, STALE_AFTER_MINUTES, BATCH))];
      for (const { workspaceId, sourceId } of due) {
        if (signal.aborted) return 'interrupted';
        await enqueueSync(workspaceId, sourceId);
      }
      if (due.length > 0) logger.info({ sources: due.length }, 'knowledge: scheduled syncs queued');
      return 'succeeded';
    },
  }, intervalMs);
}
