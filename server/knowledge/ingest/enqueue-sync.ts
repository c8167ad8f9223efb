// How the knowledge service (and the schedule) asks for a source to be synced: a job row,
// never the work itself, so no request waits on a fetch, an extraction or an embedding.
import type { JobQueue } from '../../jobs/queue.js';
import { SYNC_JOB, type knowledgeJobs } from './ingest-jobs.js';

/**
 * Queues a sync of the source. Resolves once the job is stored (or one is already waiting
 * to start: a second is not added); rejects when the database cannot be reached.
 */
export type EnqueueSync = (workspaceId: string, sourceId: string) => Promise<void>;

export function syncSender(queue: Pick<JobQueue<typeof knowledgeJobs>, 'send'>): EnqueueSync {
  return async (workspaceId, sourceId) => {
    await queue.send(SYNC_JOB, { workspaceId, sourceId });
  };
}
