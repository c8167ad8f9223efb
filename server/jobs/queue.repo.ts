import { RUNTIME_ROLE } from '../config.js';
import type { Queryable } from '../db/db.js';
import type { JsonObject } from './job-types.js';

/** pg-boss's schema; its tables are pg-boss 10's (schema version 24). */
export const QUEUE_SCHEMA = 'pgboss';

// Two-key advisory locks live in a space of their own, apart from the one-key locks of
// migrate.ts and job-lock.ts; this first key marks Parley's job-key locks.
const KEY_LOCK_CLASS = 7046;
// Concurrent GRANTs on one object can fail ("tuple concurrently updated") when
// instances start together.
const GRANT_LOCK_KEY = 7_046_111_014;

/**
 * What the runtime role needs to send, fetch, finish and maintain jobs, and no more: no
 * CREATE on the schema and nothing on pgboss.queue but SELECT, so creating, changing or
 * deleting a queue (a partition of pgboss.job) stays with the owner (queue-setup.ts).
 * Partitions are reached through pgboss.job, whose grants are the ones checked.
 */
export async function grantRuntimeAccess(q: Queryable): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [GRANT_LOCK_KEY]);
  for (const sql of [
    `GRANT USAGE ON SCHEMA ${QUEUE_SCHEMA} TO ${RUNTIME_ROLE}`,
    `GRANT SELECT ON ${QUEUE_SCHEMA}.queue TO ${RUNTIME_ROLE}`,
    // maintained_on: which instance runs maintenance this interval.
    `GRANT SELECT, UPDATE ON ${QUEUE_SCHEMA}.version TO ${RUNTIME_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${QUEUE_SCHEMA}.job TO ${RUNTIME_ROLE}`,
    `GRANT SELECT, INSERT, DELETE ON ${QUEUE_SCHEMA}.archive TO ${RUNTIME_ROLE}`,
  ]) {
    await q.query(sql);
  }
}

/** Stores a running job's progress as its output, which completion replaces. False when the job is no longer running here. */
export async function saveProgress(q: Queryable, name: string, id: string, progress: JsonObject): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE ${QUEUE_SCHEMA}.job SET output = jsonb_build_object('progress', $3::jsonb)
      WHERE name = $1 AND id = $2 AND state = 'active'`,
    [name, id, JSON.stringify(progress)],
  );
  return rowCount > 0;
}

/**
 * Puts a running job back in the queue, to start again after delaySeconds, without using
 * one of its retries: pg-boss counts a retry when it fetches a job whose started_on is
 * set, so clearing it makes the next fetch leave retry_count as this one left it. State
 * `retry` rather than `created`, which a waiting job with the same singleton key may hold.
 */
export async function requeueRunning(q: Queryable, name: string, id: string, delaySeconds: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE ${QUEUE_SCHEMA}.job SET state = 'retry', started_on = NULL, start_after = now() + $3::float8 * interval '1 second'
      WHERE name = $1 AND id = $2 AND state = 'active'`,
    [name, id, delaySeconds],
  );
  return rowCount > 0;
}

/** A session-level lock on one job key; false when another session holds it. Hash collisions only make unrelated keys wait. */
export async function tryLockJobKey(session: Queryable, key: string): Promise<boolean> {
  const { rows } = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [KEY_LOCK_CLASS, key]);
  return rows[0]?.locked === true;
}

export async function unlockJobKey(session: Queryable, key: string): Promise<void> {
  await session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [KEY_LOCK_CLASS, key]);
}
