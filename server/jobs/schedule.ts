import type { Db } from '../db/db.js';
import { withJobLock, type JobName } from '../db/job-lock.js';
import { withoutTenant } from '../db/tenant.js';
import type { Logger } from '../logging.js';
import { claimRun, finishRun, type JobOutcome } from './schedule.repo.js';

/** A job that runs every interval, once across all instances sharing the database. */
export interface ScheduledJob {
  /** Names the job lock and the job_schedule row. */
  name: JobName;
  /**
   * One run, called with the job lock held (so it must not take it again). The signal
   * aborts at shutdown; the run should stop at its next safe point and say 'interrupted'.
   */
  run(signal: AbortSignal): Promise<JobOutcome>;
}

export interface Schedule {
  /** Cancels future runs and waits for the one in progress, which the signal stops. */
  stop(): Promise<void>;
}

/** How soon to look again while another instance holds the lock (it is running the job). */
const BUSY_RETRY_MS = 60_000;
/** How soon to try again when the database could not be asked. */
const ERROR_RETRY_MS = 60_000;
/** Never loop faster than this, whatever the arithmetic says. */
const MIN_DELAY_MS = 20;

/**
 * Every instance keeps its own timer, and each tick asks the database whether the job is
 * due; only the first instance to find it due runs it (schedule.repo.ts's claim, under
 * the job lock), and the others sleep until the next due time the database tells them.
 * So the job runs once per interval whatever the number of instances, and a newly
 * started instance runs it at once only if the last run started an interval ago or more.
 * The job lock keeps a run that outlasts its interval from overlapping the next.
 */
export function startSchedule(db: Db, logger: Logger, job: ScheduledJob, intervalMs: number): Schedule {
  if (intervalMs <= 0) return { stop: async () => {} };
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const runIfDue = async (): Promise<number | undefined> => {
    const claim = await withoutTenant(db, (q) => claimRun(q, job.name, intervalMs));
    if (!claim.claimed) return claim.dueInMs;
    let outcome: JobOutcome = 'failed';
    try {
      outcome = await job.run(abort.signal);
    } catch (err) {
      logger.error({ err, job: job.name }, 'scheduled job failed; it runs again at the next interval');
    }
    // Best effort: the start is what spaces the runs; the end is for operators.
    await withoutTenant(db, (q) => finishRun(q, job.name, outcome)).catch((err: unknown) => {
      logger.warn({ err, job: job.name }, 'scheduled job: its outcome was not recorded');
    });
    return intervalMs;
  };

  const tick = async () => {
    let next: number;
    try {
      // undefined: another instance holds the lock, so it is running the job now.
      next = (await withJobLock(db, job.name, runIfDue)) ?? Math.min(intervalMs, BUSY_RETRY_MS);
    } catch (err) {
      logger.error({ err, job: job.name }, 'scheduled job: could not check whether it is due; trying again');
      next = Math.min(intervalMs, ERROR_RETRY_MS);
    }
    schedule(next);
  };

  const schedule = (delayMs: number) => {
    if (abort.signal.aborted) return;
    // A little jitter, so instances that ran together do not keep asking at the same
    // instant; none at start-up, where a due run should not wait.
    const jitter = delayMs > 0 ? Math.random() * Math.min(1_000, intervalMs / 20) : 0;
    timer = setTimeout(() => {
      current = tick().finally(() => (current = undefined));
    }, Math.max(MIN_DELAY_MS, delayMs + jitter));
    timer.unref();
  };

  schedule(0);
  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
