import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant } from '../../server/db/tenant.js';
import { defineJob, type JobStatus } from '../../server/jobs/job-types.js';
import { createJobQueue, type JobQueue } from '../../server/jobs/queue.js';
import { createLogger } from '../../server/logging.js';
import { runtimeUrlFor } from '../../server/config.js';
import { DatabaseUnavailableError } from '../../server/db/db-errors.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/** Every log line, to show that maintenance (run each second here, as the runtime role) never failed. */
const logs: { level: string; msg: string; err?: { message: string } }[] = [];
const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
const POLL = { pollIntervalMs: 500 };

const jobs = {
  'test-restart': defineJob<{ n: number }>(),
  'test-flaky': defineJob<{ failTimes: number }>({ retryLimit: 2, retryDelaySeconds: 1 }),
  'test-doomed': defineJob<{ tag: string }>({ retryLimit: 1, retryDelaySeconds: 1 }),
  'test-shared': defineJob<{ n: number }>(),
  'test-keyed': defineJob<{ key: string; n: number }>({ singletonKey: (d) => d.key }),
  'test-stop': defineJob<{ tag: string }>(),
  'test-progress': defineJob<{ pages: number }>(),
  'test-tenant': defineJob<{ workspaceId: string }>(),
  'test-expiry': defineJob<{ tag: string }>({ expireInSeconds: 1, retryLimit: 1, retryDelaySeconds: 1 }),
  'test-outage': defineJob<{ n: number }>(),
};
type TestQueue = JobQueue<typeof jobs>;

/** Resolves when check() returns something truthy; a bound on waiting, not a timing claim. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const inState = (q: TestQueue, name: keyof typeof jobs, id: string, ...states: JobStatus['state'][]) =>
  waitFor(`job ${name} in ${states.join('/')}`, async () => {
    const job = await q.getJob(name, id);
    return job && states.includes(job.state) ? job : undefined;
  });

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

for (const kind of databaseKinds) {
  describe(`job queue (on ${kind})`, () => {
    let database: TestDatabase;
    /** Two handles on PostgreSQL (two pools, like two processes); PGlite has one process. */
    let dbs: Db[];
    const queues: TestQueue[] = [];
    const open = (db = dbs[0]!) => {
      const q = createJobQueue({ db, config: { database: database.config }, logger, jobs, maintenanceIntervalSeconds: 1 });
      queues.push(q);
      return q;
    };
    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      const first = await openDatabase(database.config);
      dbs = kind === 'postgres' ? [first, await openDatabase(database.config)] : [first, first];
    });
    after(async () => {
      for (const q of queues) await q.stop(0);
      for (const db of new Set(dbs)) await db.close();
      await database?.drop();
    });

    test('a job sent before a restart runs after it', async () => {
      const before = open();
      await before.start();
      const id = (await before.send('test-restart', { n: 21 }))!;
      await before.stop();
      // A real restart: the database handles close and open again (the PGlite worker too).
      for (const db of new Set(dbs)) await db.close();
      const first = await openDatabase(database.config);
      dbs = kind === 'postgres' ? [first, await openDatabase(database.config)] : [first, first];

      const afterRestart = open();
      const ran: string[] = [];
      afterRestart.work('test-restart', POLL, async (data, job) => {
        ran.push(job.id);
        return { doubled: data.n * 2 };
      });
      await afterRestart.start();
      const done = await inState(afterRestart, 'test-restart', id, 'completed');
      assert.deepEqual(ran, [id]);
      assert.deepEqual(done.output, { doubled: 42 });
      await afterRestart.stop();
    });

    test('a failing handler is retried with back-off, then succeeds', async () => {
      const q = open();
      const tries: number[] = [];
      q.work('test-flaky', POLL, async (data, job) => {
        tries.push(job.retryCount);
        if (tries.length <= data.failTimes) throw new Error(`boom ${tries.length}`);
        return { tries: tries.length };
      });
      await q.start();
      const id = (await q.send('test-flaky', { failTimes: 1 }))!;
      await waitFor('the first try', () => tries.length >= 1);
      // 'active' is not a stop: the first try may still be running when it is first seen.
      const waiting = await inState(q, 'test-flaky', id, 'retry', 'completed');
      assert.equal(waiting.state, 'retry', 'after the failure the job waits for its retry');
      assert.deepEqual(waiting.output, { name: 'Error', message: 'boom 1' });
      // Back-off: the retry is due at least retryDelaySeconds after the try that failed began.
      assert.ok(waiting.startAfter.getTime() - waiting.startedOn!.getTime() >= 1_000, `retry due ${waiting.startAfter.toISOString()}, try began ${waiting.startedOn!.toISOString()}`);
      const done = await inState(q, 'test-flaky', id, 'completed');
      assert.deepEqual(tries, [0, 1]);
      assert.equal(done.retryCount, 1);
      assert.deepEqual(done.output, { tries: 2 });
      await q.stop();
    });

    test('a job that keeps failing lands failed after its retry limit, its error kept', async () => {
      const q = open();
      let tries = 0;
      q.work('test-doomed', POLL, async (data) => {
        tries++;
        throw new TypeError(`cannot process ${data.tag}`);
      });
      await q.start();
      const id = (await q.send('test-doomed', { tag: 'page-7' }))!;
      const failed = await inState(q, 'test-doomed', id, 'failed');
      assert.equal(tries, 2, 'the first try and one retry');
      assert.equal(failed.retryCount, 1);
      assert.deepEqual(failed.output, { name: 'TypeError', message: 'cannot process page-7' });
      await q.stop();
    });

    test('two queue instances on one database run each job exactly once', async () => {
      const runs = new Map<string, number>();
      const byInstance = [0, 0];
      const [a, b] = [open(dbs[0]), open(dbs[1])];
      for (const [i, q] of [a, b].entries()) {
        q.work('test-shared', { ...POLL, concurrency: 3 }, async (_data, job) => {
          runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
          byInstance[i]!++;
          await new Promise((r) => setTimeout(r, 5));
        });
        await q.start();
      }
      const ids: string[] = [];
      for (let n = 0; n < 40; n++) ids.push((await (n % 2 ? a : b).send('test-shared', { n }))!);
      for (const id of ids) await inState(a, 'test-shared', id, 'completed');
      assert.equal(runs.size, 40);
      assert.deepEqual([...runs.values()].filter((count) => count !== 1), [], 'no job ran twice');
      assert.equal(byInstance[0]! + byInstance[1]!, 40, `runs per instance: ${byInstance.join(', ')}`);
      await a.stop();
      await b.stop();
    });

    test('a singleton key: one job waiting per key, and one running per key across instances', async () => {
      const [a, b] = [open(dbs[0]), open(dbs[1])];
      await a.start();
      await b.start();
      const first = (await a.send('test-keyed', { key: 'source-1', n: 1 }))!;
      assert.ok(first);
      assert.equal(await b.send('test-keyed', { key: 'source-1', n: 2 }), null, 'the same key while one waits');
      const other = (await a.send('test-keyed', { key: 'source-2', n: 3 }))!;
      assert.ok(other);

      const running = new Map<string, number>();
      let mostAtOnce = 0;
      const release = gate();
      const handler = async (data: { key: string; n: number }) => {
        const now = (running.get(data.key) ?? 0) + 1;
        running.set(data.key, now);
        mostAtOnce = Math.max(mostAtOnce, now);
        try {
          if (data.n === 1) await release.opened;
        } finally {
          running.set(data.key, running.get(data.key)! - 1);
        }
      };
      a.work('test-keyed', { ...POLL, concurrency: 2 }, handler);
      b.work('test-keyed', { ...POLL, concurrency: 2 }, handler);
      await inState(a, 'test-keyed', first, 'active');
      await inState(a, 'test-keyed', other, 'completed');
      // Sent while its twin runs: accepted (nothing waits), fetched, and put back while the key is busy.
      const twin = (await b.send('test-keyed', { key: 'source-1', n: 4 }))!;
      assert.ok(twin);
      const postponed = await inState(a, 'test-keyed', twin, 'retry');
      assert.equal(postponed.startedOn, null);
      release.open();
      await inState(a, 'test-keyed', first, 'completed');
      const done = await inState(a, 'test-keyed', twin, 'completed');
      assert.equal(done.retryCount, 0, 'waiting for the key used no retry');
      assert.equal(mostAtOnce, 1);
      await a.stop();
      await b.stop();
    });

    test('stop() during a running job gives it back; another instance runs it, no retry used', async () => {
      const first = open();
      const started = gate();
      first.work('test-stop', POLL, async (_data, job) => {
        started.open();
        await new Promise((_resolve, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason as Error)));
      });
      await first.start();
      const id = (await first.send('test-stop', { tag: 'polite' }))!;
      await started.opened;
      await first.stop(5_000);

      const second = open();
      await second.start();
      const back = await inState(second, 'test-stop', id, 'retry');
      assert.equal(back.retryCount, 0);
      second.work('test-stop', POLL, async (data) => ({ ranAgain: data.tag }));
      const done = await inState(second, 'test-stop', id, 'completed');
      assert.equal(done.retryCount, 0);
      assert.deepEqual(done.output, { ranAgain: 'polite' });
      await second.stop();
    });

    test('a handler that ignores the stop signal past the grace: its job is given back and runs again', async () => {
      const first = open();
      const started = gate();
      const stuck = gate();
      first.work('test-stop', POLL, async () => {
        started.open();
        await stuck.opened;
        return { from: 'the stuck run' };
      });
      await first.start();
      const id = (await first.send('test-stop', { tag: 'stubborn' }))!;
      await started.opened;
      await first.stop(100);

      const second = open();
      second.work('test-stop', POLL, async (data) => ({ from: data.tag }));
      await second.start();
      await inState(second, 'test-stop', id, 'completed');
      stuck.open();
      await new Promise((r) => setImmediate(r));
      const done = await inState(second, 'test-stop', id, 'completed');
      assert.deepEqual(done.output, { from: 'stubborn' }, 'the abandoned run does not record its outcome');
      await second.stop();
    });

    test('a handler reports progress, seen while it runs and replaced by its result', async () => {
      const q = open();
      const proceed = gate();
      q.work('test-progress', POLL, async (data, job) => {
        await job.progress({ pagesDone: 1, pages: data.pages });
        await proceed.opened;
        return { pages: data.pages };
      });
      await q.start();
      const id = (await q.send('test-progress', { pages: 3 }))!;
      const running = await waitFor('progress', async () => {
        const job = await q.getJob('test-progress', id);
        return job?.state === 'active' && job.output ? job : undefined;
      });
      assert.deepEqual(running.output, { progress: { pagesDone: 1, pages: 3 } });
      proceed.open();
      const done = await inState(q, 'test-progress', id, 'completed');
      assert.deepEqual(done.output, { pages: 3 });
      await q.stop();
    });

    test('a handler sees tenant rows only through withTenant', async () => {
      const ws = await seedWorkspace(dbs[0]!);
      const q = open();
      q.work('test-tenant', POLL, async (data) => {
        const bare = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1', [data.workspaceId]);
        const scoped = await withTenant(dbs[0]!, data.workspaceId, (t) => t.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations'));
        return { bare: bare.rows[0]!.n, scoped: scoped.rows[0]!.n };
      });
      await q.start();
      const id = (await q.send('test-tenant', { workspaceId: ws.id }))!;
      const done = await inState(q, 'test-tenant', id, 'completed');
      // PGlite's session is the owner, which row-level security does not bind; PostgreSQL's is the runtime role.
      assert.deepEqual(done.output, { bare: kind === 'postgres' ? 0 : 1, scoped: 1 });
      await q.stop();
    });

    test('a run past its expiry is told to stop, failed by maintenance and retried', async () => {
      const q = open();
      q.work('test-expiry', POLL, async (_data, job) => {
        if (job.retryCount > 0) return { finally: true };
        await new Promise((_resolve, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason as Error)));
      });
      await q.start();
      const id = (await q.send('test-expiry', { tag: 'slow' }))!;
      const done = await inState(q, 'test-expiry', id, 'completed');
      assert.equal(done.retryCount, 1);
      assert.deepEqual(done.output, { finally: true });
      await q.stop();
    });

    test('nothing was logged as an error (maintenance ran as this role every second)', () => {
      const errors = logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${l.msg}: ${l.err?.message}`);
      assert.deepEqual(errors, []);
    });

    if (kind === 'postgres') {
      test('the runtime role may use the queues but not create, change or drop them', async () => {
        const runtime = dbs[0]!;
        const { rows } = await runtime.query<{ user: string }>('SELECT current_user AS user');
        assert.equal(rows[0]!.user, 'parley_app');
        await assert.rejects(runtime.query("SELECT pgboss.create_queue('rogue', '{}'::json)"), /permission denied/);
        await assert.rejects(runtime.query("UPDATE pgboss.queue SET retry_limit = 0 WHERE name = 'test-doomed'"), /permission denied/);
        await assert.rejects(runtime.query('DROP TABLE pgboss.archive'), /must be owner/);
        await assert.rejects(runtime.query('CREATE TABLE pgboss.mine (id int)'), /permission denied/);
      });
    }
  });
}

test('a database outage: sends fail with DatabaseUnavailableError, maintenance logs a warning, and jobs run again once it is back (postgres)', {
  skip: process.env.TEST_DATABASE_URL ? false : 'needs PostgreSQL: set TEST_DATABASE_URL',
}, async () => {
  const database = await createTestDatabase('postgres', { migrated: true });
  const direct = new URL(database.ownerUrl!);
  // The queue reaches PostgreSQL only through this proxy; set-up (the owner) goes direct.
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(runtimeUrlFor(database.ownerUrl!));
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const config = { database: { kind: 'postgres' as const, ownerUrl: database.ownerUrl!, runtimeUrl: viaProxy.toString() } };
  const db = await openDatabase(config.database);
  const seen = logs.length;
  const q = createJobQueue({ db, config, logger, jobs, maintenanceIntervalSeconds: 1 });
  try {
    const ran: number[] = [];
    q.work('test-outage', POLL, async (data) => void ran.push(data.n));
    await q.start();
    await inState(q, 'test-outage', (await q.send('test-outage', { n: 1 }))!, 'completed');

    proxy.cut();
    await assert.rejects(q.send('test-outage', { n: 2 }), DatabaseUnavailableError);
    await waitFor('a maintenance warning', () => logs.slice(seen).some((l) => l.level === 'warn' && /database unavailable/.test(l.msg)));
    proxy.restore();

    await inState(q, 'test-outage', (await q.send('test-outage', { n: 3 }))!, 'completed');
    assert.deepEqual(ran, [1, 3]);
    assert.deepEqual(logs.slice(seen).filter((l) => l.level === 'error' || l.level === 'fatal'), []);
  } finally {
    await q.stop();
    await db.close();
    await proxy.close();
    await database.drop();
  }
});
