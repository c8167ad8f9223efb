import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Db } from '../../server/db/db.js';
import { DatabaseUnavailableError } from '../../server/db/db-errors.js';
import { openPglite } from '../../server/db/pglite.js';
import { pgliteWorkerOf } from '../../server/db/pglite-client.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const run = promisify(execFile);

/** PGlite on a copy of the migrated template, opened as the owner by the bare driver. */
async function withPglite(fn: (db: Db, dir: string, database: TestDatabase) => Promise<void>): Promise<void> {
  const database = await createTestDatabase('pglite', { migrated: true });
  const dir = database.config.kind === 'pglite' ? database.config.dir : '';
  const db = await openPglite(dir);
  try {
    await fn(db, dir, database);
  } finally {
    await db.close();
    await database.drop();
  }
}

/** The longest gap between 10 ms ticks of this thread's event loop while work runs. */
async function longestStall<T>(work: () => Promise<T>): Promise<[T, number]> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    return [await work(), Math.max(longest, performance.now() - last)];
  } finally {
    clearInterval(timer);
  }
}

test('a query does not stop the event loop while PGlite works', () =>
  withPglite(async (db) => {
    // pg_sleep holds the WASM PostgreSQL, and the thread it runs on, for the whole second.
    const [{ rows }, stall] = await longestStall(() => db.query<{ done: boolean }>('SELECT true AS done FROM pg_sleep(1)'));
    assert.deepEqual(rows, [{ done: true }]);
    assert.ok(stall < 300, `the event loop stalled for ${stall.toFixed(0)} ms`);
  }));

test('parameters and rows keep their types across the thread', () =>
  withPglite(async (db) => {
    const when = new Date('2024-05-06T07:08:09.123Z');
    const bytes = Buffer.from([0, 1, 254, 255]);
    const { rows } = await db.query(
      `SELECT $1::timestamptz AS "when", $2::bytea AS bytes, $3::jsonb AS json, $4::text AS nothing,
              count(*) AS small, 9007199254740993::int8 AS big, ARRAY[1, 2] AS list, true AS yes`,
      [when, bytes, JSON.stringify({ a: [1, 'b'] }), null],
    );
    const row = rows[0]!;
    assert.ok(row.when instanceof Date && row.when.getTime() === when.getTime());
    assert.ok(row.bytes instanceof Uint8Array);
    assert.deepEqual([...(row.bytes as Uint8Array)], [...bytes]);
    assert.deepEqual(row.json, { a: [1, 'b'] });
    assert.equal(row.nothing, null);
    assert.equal(row.small, 1); // int8 that fits is a number, as on PostgreSQL's driver
    assert.equal(row.big, 9007199254740993n);
    assert.deepEqual(row.list, [1, 2]);
    assert.equal(row.yes, true);
    // A Uint8Array goes in as bytea as well as a Buffer does.
    const { rows: back } = await db.query<{ same: boolean }>('SELECT $1::bytea = $2::bytea AS same', [new Uint8Array(bytes), bytes]);
    assert.deepEqual(back, [{ same: true }]);
    await assert.rejects(db.query('SELECT $1::text', [() => 'not data']), /could not be cloned/);
  }));

test('a statement error keeps its PostgreSQL fields; a failing fn rolls back with its own error', () =>
  withPglite(async (db) => {
    await db.query('CREATE TABLE worker_test (x int CONSTRAINT worker_test_pk PRIMARY KEY)');
    await db.query('INSERT INTO worker_test VALUES (1)');
    await assert.rejects(db.query('INSERT INTO worker_test VALUES (1)'), (err: Error & Record<string, unknown>) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /duplicate key value violates unique constraint "worker_test_pk"/);
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, 'worker_test_pk');
      assert.equal(err.table, 'worker_test');
      assert.equal(err.detail, 'Key (x)=(1) already exists.');
      assert.equal(err.params, undefined, 'parameters stay in the worker');
      return true;
    });
    const mine = new RangeError('from fn');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO worker_test VALUES (2)');
        throw mine;
      }),
      (err) => err === mine,
    );
    assert.deepEqual((await db.query('SELECT x FROM worker_test ORDER BY x')).rows, [{ x: 1 }]);
  }));

test('a query from outside waits behind an open transaction and sees what it committed', () =>
  withPglite(async (db) => {
    await db.query('CREATE TABLE worker_test (x int)');
    let outside: Promise<unknown> | undefined;
    const order: string[] = [];
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO worker_test VALUES (1)');
      outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM worker_test').then((r) => {
        order.push('outside');
        return r.rows;
      });
      await new Promise((r) => setTimeout(r, 100));
      await tx.exec('INSERT INTO worker_test VALUES (2); INSERT INTO worker_test VALUES (3)');
      order.push('commit');
    });
    assert.deepEqual(await outside, [{ n: 3 }]);
    assert.deepEqual(order, ['commit', 'outside']);
  }));

test('close shuts PGlite down cleanly: the directory reopens with the data and without the lock', () =>
  withPglite(async (db, dir) => {
    await db.query('CREATE TABLE worker_test (x int)');
    await db.query('INSERT INTO worker_test VALUES (42)');
    await db.close();
    assert.equal(existsSync(join(dir, 'parley.lock')), false);
    await assert.rejects(db.query('SELECT 1'), /closed/);
    const again = await openPglite(dir);
    try {
      assert.deepEqual((await again.query('SELECT x FROM worker_test')).rows, [{ x: 42 }]);
    } finally {
      await again.close();
    }
  }));

test('a worker that dies fails pending and later calls with a clear error, and this process lives on', () =>
  withPglite(async (db) => {
    const pending = db.query('SELECT pg_sleep(5)');
    const inTransaction = db.transaction((tx) => tx.query('SELECT 1'));
    await new Promise((r) => setTimeout(r, 200));
    await pgliteWorkerOf(db)!.terminate();
    const clear = (err: Error) => err instanceof DatabaseUnavailableError && /worker thread stopped/.test(err.message);
    await assert.rejects(pending, clear);
    await assert.rejects(inTransaction, clear);
    await assert.rejects(db.query('SELECT 1'), clear);
    await assert.rejects(db.transaction((tx) => tx.query('SELECT 1')), clear);
  }));

test('an idle database does not keep a process alive that forgot to close it', async () => {
  const database = await createTestDatabase('pglite', { migrated: true });
  try {
    const script = join(database.config.kind === 'pglite' ? database.config.dir : '', '..', 'forgets-close.mts');
    const pglite = new URL('../../server/db/pglite.ts', import.meta.url).href;
    writeFileSync(script, `import { openPglite } from ${JSON.stringify(pglite)};
const db = await openPglite(process.argv[2]);
console.log(JSON.stringify((await db.query('SELECT 7 AS seven')).rows));\n`);
    // Killed, and the test failed, if it hangs.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, database.config.kind === 'pglite' ? database.config.dir : ''], { timeout: 60_000 });
    assert.match(stdout, /\[\{"seven":7\}\]/);
  } finally {
    await database.drop();
  }
});
