import type { Db } from './db.js';

// Any constants work; they only have to be the same in every Parley process and
// differ from the migration lock (migrate.ts). A new scheduled job (server/jobs/schedule.ts)
// adds its name here; the name is also its job_schedule row.
const JOB_KEYS = { retention: 7_046_111_002, 'knowledge-sync': 7_046_111_015 } as const;

export type JobName = keyof typeof JOB_KEYS;

/** Jobs running in this process, per database handle. */
const runningHere = new WeakMap<Db, Set<JobName>>();

/**
 * Runs fn unless the named job is already running, here or in another instance;
 * resolves undefined when it skipped.
 *
 * On PostgreSQL, instances share the database: a session-level advisory lock taken on
 * a connection checked out for the whole run. A session lock rather than
 * pg_advisory_xact_lock, because the job's deletions are many short transactions on
 * other connections and no transaction should stay open for minutes.
 *
 * On PGlite there is one connection, which every query shares: an advisory lock there
 * is re-entrant for the same session and would stop nothing, and an open transaction
 * would block every request. The data directory is locked to one process
 * (data-dir-lock.ts), so a process-local flag is all the exclusion needed. The flag is
 * checked on PostgreSQL too, so one process never starts a second run of its own.
 */
export async function withJobLock<T>(db: Db, job: JobName, fn: () => Promise<T>): Promise<T | undefined> {
  const running = runningHere.get(db) ?? new Set<JobName>();
  runningHere.set(db, running);
  if (running.has(job)) return undefined;
  running.add(job);
  try {
    if (db.driver === 'pglite') return await fn();
    return await db.withSession(async (session) => {
      const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [JOB_KEYS[job]]);
      if (!rows[0]?.locked) return undefined;
      try {
        return await fn();
      } finally {
        await session.query('SELECT pg_advisory_unlock($1)', [JOB_KEYS[job]]);
      }
    });
  } finally {
    running.delete(job);
  }
}

/** The advisory lock key of a job, for tests and operators who want to hold it. */
export function jobLockKey(job: JobName): number {
  return JOB_KEYS[job];
}
