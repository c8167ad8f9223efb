// The knowledge pipeline as the server starts it: the handlers of its two jobs on the
// queue, the re-sync schedule, and the function that queues a sync.
import type { Config } from '../../config.js';
import type { Db } from '../../db/db.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { Logger } from '../../logging.js';
import { mistralEmbedder } from '../embed/mistral-embed.js';
import { fetcherForConfig } from '../fetch/fetcher-for-config.js';
import { runEmbed } from './embed-job.js';
import { syncSender, type EnqueueSync } from './enqueue-sync.js';
import { EMBED_JOB, SYNC_JOB, type knowledgeJobs } from './ingest-jobs.js';
import type { IngestDeps } from './sync-context.js';
import { runSync } from './sync-source.js';
import { startSyncSchedule } from './sync-schedule.js';

/** Sources synced at once by one instance; each also keeps up to four pages in progress. */
const SYNCS_PER_INSTANCE = 2;
/** Tries of one embeddings request before the job's own back-off takes over. */
const EMBED_ATTEMPTS = 3;

export interface Ingestion {
  enqueueSync: EnqueueSync;
  /** Stops the schedule; the queue's stop() stops the jobs. */
  stop(): Promise<void>;
}

export interface IngestionOptions {
  db: Db;
  config: Config;
  logger: Logger;
  queue: Pick<JobQueue<typeof knowledgeJobs>, 'send' | 'work'>;
  /** How often due syncs are looked for; SYNC_SCHEDULE_INTERVAL_MS by default, 0 for never. */
  scheduleIntervalMs?: number;
}

export function startIngestion({ db, config, logger, queue, scheduleIntervalMs }: IngestionOptions): Ingestion {
  const log = logger.child({ component: 'knowledge' });
  const deps: IngestDeps = {
    db,
    config,
    logger: log,
    fetcher: fetcherForConfig(config),
    embedder: mistralEmbedder({ serverUrl: config.mistral.serverUrl, maxAttempts: EMBED_ATTEMPTS }),
    queueEmbed: async (workspaceId) => void (await queue.send(EMBED_JOB, { workspaceId })),
  };
  queue.work(SYNC_JOB, { concurrency: SYNCS_PER_INSTANCE }, (data, job) => runSync(deps, data, job));
  queue.work(EMBED_JOB, { concurrency: 2 }, (data, job) => runEmbed(deps, data, job));
  const enqueueSync = syncSender(queue);
  const schedule = startSyncSchedule(db, log, enqueueSync, scheduleIntervalMs);
  return { enqueueSync, stop: () => schedule.stop() };
}
