import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { openDatabase } from './db/open.js';
import { createInFlight } from './http/in-flight.js';
import { closeRedis, connectRedis, redisReady } from './http/redis.js';
import { parleyJobs, type ParleyJobs } from './jobs/job-registry.js';
import { createJobQueue, type JobQueue } from './jobs/queue.js';
import { startIngestion } from './knowledge/ingest/ingestion.js';
import { reportVectorSupport } from './knowledge/vector-schema.js';
import type { Logger } from './logging.js';
import { startRetentionSchedule } from './retention/retention.schedule.js';

export interface RunningServer {
  /** Where browsers reach it: PUBLIC_URL, or the bound address. */
  url: string;
  /** Where it actually listens, which differs from url behind a proxy. */
  listenUrl: string;
  db: Db;
  /** The background job queue (knowledge syncs and embeddings), started with the server. */
  jobs: JobQueue<ParleyJobs>;
  /** Stops accepting, lets requests in flight finish (up to graceMs), closes Redis and the database. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  db?: Db;
  /** Key prefix of the rate-limit counters in Redis; tests give each run its own. */
  rateLimitPrefix?: string;
  /** The built widget to serve, when not dist/widget/ (see AppDeps). */
  widgetDir?: string;
  /** Admin sign-in tuning and the mailer (see AppDeps). */
  adminAuth?: AppDeps['adminAuth'];
  /** Tests only: the retention interval in milliseconds, shorter than RETENTION_INTERVAL_MINUTES allows. */
  retentionIntervalMs?: number;
  /** Tests only: how often due knowledge re-syncs are looked for (default every 5 minutes). */
  knowledgeScheduleIntervalMs?: number;
}

/**
 * Opens (and migrates) the database, binds the port, then serves. Binding before
 * building the app means a PORT of 0 still yields a correct public URL.
 * A db passed in is the caller's to close.
 */
export async function startServer(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const db = options.db ?? (await openDatabase(config.database));
  await reportVectorSupport(db, logger);
  const server = createServer();
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    if (!options.db) await db.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const listenUrl = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const url = config.publicUrl ?? listenUrl;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  if (redis) await redisReady(redis);
  const jobs = createJobQueue({ db, config, logger, jobs: parleyJobs });
  try {
    await jobs.start();
  } catch (err) {
    server.close();
    if (redis) await closeRedis(redis);
    if (!options.db) await db.close();
    throw err;
  }
  // After the queue has started: the schedule's first run may queue syncs at once.
  const ingestion = startIngestion({ db, config, logger, queue: jobs, scheduleIntervalMs: options.knowledgeScheduleIntervalMs });
  const inFlight = createInFlight();
  server.on('request', createApp({ config, db, logger, publicUrl: url, redis, inFlight, rateLimitPrefix: options.rateLimitPrefix, widgetDir: options.widgetDir, adminAuth: options.adminAuth, enqueueSync: ingestion.enqueueSync }));
  // After listen and in the background: a long first run must not delay readiness.
  const retention = startRetentionSchedule(db, logger, options.retentionIntervalMs ?? config.retentionIntervalMinutes * 60_000, config.audit);

  return {
    url,
    listenUrl,
    db,
    jobs,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      // Replies cut off by the close are still being stored.
      await inFlight.drain();
      // Running jobs are told to stop and go back to the queue for the next start (or another instance).
      await ingestion.stop();
      await jobs.stop(graceMs);
      await retention.stop();
      if (redis) await closeRedis(redis);
      if (!options.db) await db.close();
    },
  };
}

// Node's default backlog (511) overflows when a burst of visitors connects at once; their
// kernels then retry after 1, 3 and 7 s. The kernel still caps it at net.core.somaxconn.
const LISTEN_BACKLOG = 4096;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
