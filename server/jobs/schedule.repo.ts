import type { Queryable } from '../db/db.js';

/** How a run ended, as job_schedule.last_outcome records it. */
export type JobOutcome = 'succeeded' | 'failed' | 'interrupted';

export type Claim = { claimed: true } | { claimed: false; dueInMs: number };

/**
 * Starts a run of the job if its last start is at least intervalMs ago, by the
 * database's clock (one statement: two instances cannot both claim the same interval).
 * clock_timestamp(), not now(): now() is when the transaction began, which may be well
 * before the statement ran, and a start recorded early lets the next run come early.
 * When it is not due, says in how many milliseconds it will be.
 */
export async function claimRun(q: Queryable, name: string, intervalMs: number): Promise<Claim> {
  const { rowCount } = await q.query(
    `INSERT INTO job_schedule AS s (name, last_started_at, last_outcome) VALUES ($1, clock_timestamp(), 'running')
     ON CONFLICT (name) DO UPDATE SET last_started_at = clock_timestamp(), last_outcome = 'running'
      WHERE s.last_started_at <= clock_timestamp() - $2::float8 * interval '1 millisecond'
     RETURNING s.name`,
    [name, intervalMs],
  );
  if (rowCount > 0) return { claimed: true };
  const { rows } = await q.query<{ dueInMs: number }>(
    `SELECT greatest(0, extract(epoch FROM last_started_at + $2::float8 * interval '1 millisecond' - clock_timestamp()) * 1000)::float8 AS "dueInMs"
       FROM job_schedule WHERE name = $1`,
    [name, intervalMs],
  );
  return { claimed: false, dueInMs: rows[0]?.dueInMs ?? 0 };
}

/** Records the end of the run claimed last. */
export async function finishRun(q: Queryable, name: string, outcome: JobOutcome): Promise<void> {
  await q.query('UPDATE job_schedule SET last_finished_at = clock_timestamp(), last_outcome = $2 WHERE name = $1', [name, outcome]);
}

export interface JobScheduleRow {
  name: string;
  lastStartedAt: Date;
  lastFinishedAt: Date | null;
  lastOutcome: 'running' | JobOutcome;
}

/** The job's row, for operators and tests; undefined before its first scheduled run. */
export async function readSchedule(q: Queryable, name: string): Promise<JobScheduleRow | undefined> {
  const { rows } = await q.query<JobScheduleRow>(
    `SELECT name, last_started_at AS "lastStartedAt", last_finished_at AS "lastFinishedAt", last_outcome AS "lastOutcome"
       FROM job_schedule WHERE name = $1`,
    [name],
  );
  return rows[0];
}
