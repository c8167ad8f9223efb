import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { withoutTenant } from '../../server/db/tenant.js';
import { startSchedule, type Schedule, type ScheduledJob } from '../../server/jobs/schedule.js';
import { readSchedule, type JobOutcome } from '../../server/jobs/schedule.repo.js';
import { createLogger } from '../../server/logging.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';

const logger = createLogger({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job that records when each run started and how many ran at once. */
function countingJob(runMs: number, outcome: JobOutcome | Error = 'succeeded') {
  const starts: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const job: ScheduledJob = {
    name: 'retention',
    async run() {
      starts.push(Date.now());
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        await sleep(runMs);
        if (outcome instanceof Error) throw outcome;
        return outcome;
      } finally {
        running--;
      }
    },
  };
  return { job, starts, mostAtOnce: () => mostAtOnce };
}

for (const kind of databaseKinds) {
  describe(`scheduled jobs run once per interval across instances (on ${kind})`, () => {
    let database: TestDatabase;
    /** One handle per instance on PostgreSQL (two pools, like two processes); PGlite has one process. */
    let instances: Db[];
    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      const first = await openDatabase(database.config);
      instances = kind === 'postgres' ? [first, await openDatabase(database.config)] : [first, first];
    });
    after(async () => {
      for (const db of new Set(instances)) await db.close();
      await database?.drop();
    });
    // As the owner: the runtime role may not delete schedule rows.
    const clear = () => database.ownerUrl ? withClient(database.ownerUrl, (c) => c.query('DELETE FROM job_schedule')) : instances[0]!.query('DELETE FROM job_schedule');

    test('two instances ticking on one database: one run per interval, not one each', async () => {
      await clear();
      const interval = 1_000;
      const { job, starts, mostAtOnce } = countingJob(50);
      const schedules: Schedule[] = [];
      const began = Date.now();
      try {
        schedules.push(startSchedule(instances[0]!, logger, job, interval));
        // The second instance starts a little later, as a real one would: it must not run the job again at start-up.
        await sleep(300);
        schedules.push(startSchedule(instances[1]!, logger, job, interval));
        await sleep(4_500);
      } finally {
        await Promise.all(schedules.map((s) => s.stop()));
      }
      const elapsed = Date.now() - began;
      const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
      // Per-instance timers would give about twice as many runs, some of them back to back.
      assert.ok(starts.length >= Math.floor(elapsed / interval) - 1 && starts.length <= Math.ceil(elapsed / interval), `${starts.length} runs in ${elapsed} ms`);
      // Claims are an interval apart by the database's clock; these start times are taken in this process after
      // each claim's answer, so they jitter by the query's latency (70 ms seen under load). Per-instance timers
      // would give gaps of about 300 and 700 ms here (the second instance starts 300 ms after the first).
      assert.ok(gaps.every((g) => g >= interval * 0.8), `runs about an interval apart: ${gaps.join(', ')} ms`);
      assert.equal(mostAtOnce(), 1);
      const row = await withoutTenant(instances[0]!, (q) => readSchedule(q, 'retention'));
      assert.equal(row?.lastOutcome, 'succeeded');
      assert.ok(row.lastFinishedAt && row.lastFinishedAt >= row.lastStartedAt);
    });

    test('a run that outlasts its interval is not overlapped by another instance', async () => {
      await clear();
      const { job, starts, mostAtOnce } = countingJob(1_200);
      const schedules = instances.map((db) => startSchedule(db, logger, job, 500));
      await sleep(2_000);
      await Promise.all(schedules.map((s) => s.stop()));
      assert.equal(mostAtOnce(), 1);
      assert.ok(starts.length >= 1 && starts.length <= 2, `${starts.length} runs`);
    });

    test('a failed run is recorded as failed, and the next interval runs again', async () => {
      await clear();
      const { job, starts } = countingJob(10, new Error('boom'));
      const schedule = startSchedule(instances[0]!, logger, job, 600);
      await sleep(1_000);
      await schedule.stop();
      assert.equal(starts.length, 2);
      assert.equal((await withoutTenant(instances[0]!, (q) => readSchedule(q, 'retention')))?.lastOutcome, 'failed');
    });

    test('a new instance does not run a job whose last start is within the interval', async () => {
      await clear();
      const first = countingJob(10);
      const a = startSchedule(instances[0]!, logger, first.job, 60_000);
      await sleep(300);
      await a.stop();
      assert.equal(first.starts.length, 1);
      const second = countingJob(10);
      const b = startSchedule(instances[1]!, logger, second.job, 60_000);
      await sleep(300);
      await b.stop();
      assert.equal(second.starts.length, 0, 'not due for another minute');
    });
  });
}
