-- Scheduled jobs run once per interval across all instances, not once per instance
-- (server/jobs/schedule.ts). Every instance keeps its own timer; under the job's lock
-- (server/db/job-lock.ts) a run starts only if this row says the last one started at
-- least an interval ago, by the database's clock, so instances whose clocks differ
-- still agree. One row per job name; no tenant data, no personal data: no RLS.
CREATE TABLE job_schedule (
  name              text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
  last_started_at   timestamptz NOT NULL,
  last_finished_at  timestamptz,
  -- running until the run ends; then succeeded, failed (it threw or reported
  -- failures) or interrupted (the instance was shutting down).
  last_outcome      text NOT NULL CHECK (last_outcome IN ('running', 'succeeded', 'failed', 'interrupted'))
);

COMMENT ON TABLE job_schedule IS
  'When each scheduled job last started and finished, across all instances. No tenant or personal data.';

-- Claiming a run inserts the job's row the first time and updates it after; SELECT
-- because the claim's ON CONFLICT ... WHERE and RETURNING read the row. No DELETE.
GRANT SELECT, INSERT, UPDATE ON job_schedule TO parley_app;
