import type PgBoss from 'pg-boss';
import type { Db } from '../db/db.js';
import { isConnectionFailure } from '../db/db-errors.js';
import type { Logger } from '../logging.js';
import type { JobHandler, JsonObject } from './job-types.js';
import { withKeyLock } from './key-lock.js';
import { requeueRunning, saveProgress } from './queue.repo.js';

/** How long a job whose key is taken (its twin is running elsewhere) waits before it is offered again. */
const KEY_BUSY_DELAY_SECONDS = 2;

export interface WorkerOptions {
  boss: PgBoss;
  db: Db;
  logger: Logger;
  name: string;
  handler: JobHandler<JsonObject>;
  /** Runs one job per singleton key at a time (the definition has a singletonKey). */
  exclusive: boolean;
  concurrency: number;
  pollIntervalMs: number;
  /** Aborted by the queue's stop(): no new fetches, and running handlers are told to stop. */
  shutdown: AbortSignal;
}

export interface Worker {
  /** Ends an idle wait at once: a job was just sent here. */
  wake(): void;
  /** Resolves when every slot has finished its last job. */
  readonly done: Promise<void>;
  /** Puts jobs still running back in the queue (no retry used) and stops recording their outcome; for stop() once its grace is over. */
  abandon(): Promise<number>;
}

interface Run {
  id: string;
  abandoned: boolean;
}

/**
 * Our own loop over pg-boss's fetch, complete and fail rather than its work(): pg-boss 10
 * neither tells a handler to stop nor gives a job back at shutdown (stop() fails it,
 * which uses a retry, and the last retry lands it failed). Here a handler gets an
 * AbortSignal, and a job interrupted by shutdown goes back to the queue as it was.
 * Every error is caught and logged: a database outage only delays jobs (a job whose
 * outcome could not be recorded expires and is retried), it never ends the process.
 */
export function startWorker(o: WorkerOptions): Worker {
  const log = o.logger.child({ queue: o.name });
  const running = new Set<Run>();
  const sleepers = new Set<() => void>();

  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, o.pollIntervalMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        o.shutdown.removeEventListener('abort', done);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
      o.shutdown.addEventListener('abort', done, { once: true });
    });

  const record = (what: string, id: string, work: () => Promise<unknown>) =>
    work().catch((err: unknown) => {
      const level = isConnectionFailure(err) ? 'warn' : 'error';
      log[level]({ err, jobId: id }, `job queue: could not ${what}; the job runs again once it expires`);
    });

  async function execute(job: PgBoss.JobWithMetadata<JsonObject>, run: Run): Promise<void> {
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('the server is shutting down'));
    o.shutdown.addEventListener('abort', onShutdown, { once: true });
    let expired = false;
    // pg-boss's maintenance fails an expired job (and so retries it); the handler is told to stop.
    const timer = setTimeout(() => {
      expired = true;
      controller.abort(new Error(`the job ran past its expiry of ${Number(job.expireInSeconds)} s`));
    }, Number(job.expireInSeconds) * 1000);
    timer.unref();
    const context = {
      id: job.id,
      retryCount: job.retryCount,
      signal: controller.signal,
      progress: async (value: JsonObject) => void (await saveProgress(o.db, o.name, job.id, value)),
    };
    try {
      if (o.shutdown.aborted) throw new Error('the server is shutting down');
      const output = await o.handler(job.data, context);
      if (run.abandoned) return log.warn({ jobId: job.id }, 'job queue: a job finished after shutdown gave it back; it will run again');
      await record('record a finished job', job.id, () =>
        output === undefined ? o.boss.complete(o.name, job.id) : o.boss.complete(o.name, job.id, output as object),
      );
    } catch (err) {
      if (run.abandoned || expired) {
        log.warn({ err, jobId: job.id, expired }, 'job queue: a job stopped after it expired or was given back');
      } else if (o.shutdown.aborted) {
        log.info({ jobId: job.id }, 'job queue: a job was interrupted by shutdown; it goes back to the queue');
        await record('give back an interrupted job', job.id, () => requeueRunning(o.db, o.name, job.id, 0));
      } else {
        log.warn({ err, jobId: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit }, 'job queue: a job failed');
        await record('record a failed job', job.id, () => o.boss.fail(o.name, job.id, errorOutput(err)));
      }
    } finally {
      clearTimeout(timer);
      o.shutdown.removeEventListener('abort', onShutdown);
    }
  }

  async function runOne(job: PgBoss.JobWithMetadata<JsonObject>): Promise<void> {
    const run: Run = { id: job.id, abandoned: false };
    running.add(run);
    try {
      if (!o.exclusive || job.singletonKey === null) return await execute(job, run);
      const ran = await withKeyLock(o.db, `${o.name}:${job.singletonKey}`, async () => (await execute(job, run), true));
      if (!ran && !run.abandoned) await record('put back a job whose key is busy', job.id, () => requeueRunning(o.db, o.name, job.id, KEY_BUSY_DELAY_SECONDS));
    } catch (err) {
      // The key lock could not be had (no connection): put the job back, or it expires and is retried.
      log.warn({ err, jobId: job.id }, 'job queue: could not lock the job key');
      if (!run.abandoned) await record('put back a job', job.id, () => requeueRunning(o.db, o.name, job.id, KEY_BUSY_DELAY_SECONDS));
    } finally {
      running.delete(run);
    }
  }

  async function slot(): Promise<void> {
    while (!o.shutdown.aborted) {
      // pg-boss's fetch answers [] when the query fails (it expects only unique violations there).
      const [job] = await o.boss.fetch<JsonObject>(o.name, { batchSize: 1, includeMetadata: true }).catch((err: unknown) => {
        log.warn({ err }, 'job queue: fetch failed');
        return [];
      });
      if (job) await runOne(job);
      else await idle();
    }
  }

  const done = Promise.all(Array.from({ length: o.concurrency }, slot)).then(() => undefined);
  return {
    wake: () => [...sleepers].forEach((wake) => wake()),
    done,
    async abandon() {
      const left = [...running];
      for (const run of left) {
        run.abandoned = true;
        await record('give back a job still running at shutdown', run.id, () => requeueRunning(o.db, o.name, run.id, 0));
      }
      return left.length;
    },
  };
}

/** Kept as the job's output: the error's name and message; its stack goes to the log only. */
function errorOutput(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
