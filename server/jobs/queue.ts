import PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { isConnectionFailure } from '../db/db-errors.js';
import type { Logger } from '../logging.js';
import type { JobData, JobDefinitions, JobHandler, JobName, JobStatus, JsonObject, SendOptions, WorkOptions } from './job-types.js';
import { pgBossDb } from './pg-boss-db.js';
import { setUpQueues } from './queue-setup.js';
import { QUEUE_SCHEMA } from './queue.repo.js';
import { startWorker, type Worker } from './queue-worker.js';

/** pg-boss's own floor for polling; below it idle workers would only load the database. */
const MIN_POLL_INTERVAL_MS = 500;
const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** Failed jobs stay in pgboss.job this long before maintenance archives them (then 7 days in pgboss.archive). */
const KEEP_FAILED_SECONDS = 7 * 24 * 3600;

export interface JobQueueDeps<D extends JobDefinitions> {
  /** The application's handle: on PostgreSQL the runtime role, which is what the queue runs as. */
  db: Db;
  /** For the owner URL that creates and migrates schema pgboss at start. */
  config: Pick<Config, 'database'>;
  logger: Logger;
  /** The job kinds (server/jobs/job-registry.ts in the app; tests bring their own). */
  jobs: D;
  /** How often expired jobs are failed (and so retried) and old ones archived; 120 s unless a test needs it sooner. */
  maintenanceIntervalSeconds?: number;
}

/** Background jobs, durable in the database and shared by every instance on it (pg-boss underneath). */
export interface JobQueue<D extends JobDefinitions> {
  /** Sets up schema pgboss and the queues (as the owner), then starts maintenance and the workers registered so far. */
  start(): Promise<void>;
  /**
   * Stops fetching, aborts running handlers' signals, waits up to graceMs (default 10 s)
   * for them, and gives back what still runs: an interrupted job runs again later,
   * without using a retry. Call before closing the database.
   */
  stop(graceMs?: number): Promise<void>;
  /** Queues a job; resolves its id, or null when a job with the same singleton key is already waiting. */
  send<N extends JobName<D>>(name: N, data: JobData<D, N>, options?: SendOptions): Promise<string | null>;
  /** Runs handler for jobs of this name in this instance (from start(), or at once if started). One call per name. */
  work<N extends JobName<D>>(name: N, options: WorkOptions, handler: JobHandler<JobData<D, N>>): void;
  /** A job as it stands, archived ones included; undefined once deleted (docs/operations.md). */
  getJob(name: JobName<D>, id: string): Promise<JobStatus | undefined>;
}

type Registration = { options: WorkOptions; handler: JobHandler<JsonObject> };

export function createJobQueue<D extends JobDefinitions>({ db, config, logger, jobs, maintenanceIntervalSeconds = 120 }: JobQueueDeps<D>): JobQueue<D> {
  const log = logger.child({ component: 'jobs' });
  const registered = new Map<string, Registration>();
  const workers = new Map<string, Worker>();
  const shutdown = new AbortController();
  let boss: PgBoss | undefined;
  let starting: Promise<void> | undefined;

  const started = () => {
    if (!boss || shutdown.signal.aborted) throw new Error('job queue: not started, or stopped');
    return boss;
  };
  const defined = (name: string) => {
    if (!Object.hasOwn(jobs, name)) throw new Error(`job queue: no job named ${name}`);
    return jobs[name]!;
  };

  const startWorking = (name: string, { options, handler }: Registration) => {
    const pollIntervalMs = Math.max(MIN_POLL_INTERVAL_MS, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    const exclusive = defined(name).singletonKey !== undefined;
    workers.set(name, startWorker({ boss: started(), db, logger: log, name, handler, exclusive, concurrency, pollIntervalMs, shutdown: shutdown.signal }));
  };

  async function begin(): Promise<void> {
    await setUpQueues(db, config.database, jobs, log);
    const instance = new PgBoss({
      db: pgBossDb(db),
      schema: QUEUE_SCHEMA,
      // Set up above as the owner; this role may only check the version.
      migrate: false,
      // Expiry, archiving and deletion: once per interval across all instances (pgboss.version.maintained_on).
      supervise: true,
      maintenanceIntervalSeconds,
      // No cron: interval jobs are server/jobs/schedule.ts's, and cron needs a queue of pg-boss's own.
      schedule: false,
      archiveFailedAfterSeconds: KEEP_FAILED_SECONDS,
    });
    // An 'error' nobody hears would end the process; a lost connection is expected now and then.
    instance.on('error', (err) => {
      if (isConnectionFailure(err)) log.warn({ err }, 'job queue: database unavailable; maintenance tries again next interval');
      else log.error({ err }, 'job queue: maintenance failed');
    });
    await instance.start();
    boss = instance;
    for (const [name, registration] of registered) startWorking(name, registration);
  }

  return {
    start() {
      // A failed start may be tried again; a second call meanwhile waits for the first.
      return (starting ??= begin().catch((err: unknown) => {
        starting = undefined;
        throw err;
      }));
    },

    async stop(graceMs = 10_000) {
      if (shutdown.signal.aborted) return;
      shutdown.abort();
      await starting?.catch(() => undefined);
      if (!boss) return;
      const all = Promise.all([...workers.values()].map((w) => w.done));
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), graceMs)));
      const outcome = await Promise.race([all, graceOver]);
      clearTimeout(timer);
      if (outcome === 'grace over') {
        let left = 0;
        for (const worker of workers.values()) left += await worker.abandon();
        if (left > 0) log.warn({ jobs: left }, 'job queue: jobs still running at shutdown were given back to the queue');
      }
      await boss.stop({ graceful: false, close: false });
    },

    async send(name, data, options = {}) {
      const queue = started();
      const key = defined(name).singletonKey?.(data);
      const id = await queue.send(name, data, {
        ...(key === undefined ? {} : { singletonKey: key }),
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.priority ? { priority: options.priority } : {}),
      });
      if (id !== null && !options.startAfterSeconds) workers.get(name)?.wake();
      return id;
    },

    work(name, options, handler) {
      defined(name);
      if (registered.has(name)) throw new Error(`job queue: ${name} already has a handler`);
      const registration = { options, handler: handler as JobHandler<JsonObject> };
      registered.set(name, registration);
      if (boss && !shutdown.signal.aborted) startWorking(name, registration);
    },

    async getJob(name, id) {
      const job = await started().getJobById<JsonObject>(name, id, { includeArchive: true });
      if (!job) return undefined;
      const { state, data, retryCount, retryLimit, createdOn, startAfter, startedOn, completedOn, output } = job;
      return { id: job.id, name: job.name, state, data, retryCount, retryLimit, createdOn, startAfter, startedOn, completedOn, output: (output ?? null) as JobStatus['output'] };
    },
  };
}
