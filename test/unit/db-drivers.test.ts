import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../server/db/db.js';
import { DatabaseUnavailableError, isConnectionFailure, TransactionRolledBackError } from '../../server/db/db-errors.js';
import { openPglite } from '../../server/db/pglite.js';
import { openPostgres } from '../../server/db/postgres.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';

/** A database of the kind, opened by its bare driver as the owner: these tests are about the drivers. */
async function withDriver(kind: (typeof databaseKinds)[number], fn: (db: Db, database?: TestDatabase) => Promise<void>): Promise<void> {
  if (kind === 'pglite') {
    // A copy of the migrated template starts in a fraction of the time an empty PGlite takes.
    const database = await createTestDatabase('pglite', { migrated: true });
    const db = await openPglite(database.config.kind === 'pglite' ? database.config.dir : undefined);
    try {
      return await fn(db);
    } finally {
      await db.close();
      await database.drop();
    }
  }
  const database = await createTestDatabase('postgres');
  const db = openPostgres(database.ownerUrl!, { max: 2, applicationName: 'parley-driver-test' });
  try {
    await fn(db, database);
  } finally {
    await db.close();
    await database.drop();
  }
}

for (const kind of databaseKinds) {
  test(`on ${kind}, a COMMIT that rolled back throws TransactionRolledBackError and keeps nothing`, () =>
    withDriver(kind, async (db) => {
      await db.query('CREATE TABLE driver_test (x int PRIMARY KEY)');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO driver_test VALUES (1)');
          // A caller that swallows a failed statement; the transaction is aborted from here.
          await tx.query('INSERT INTO driver_test VALUES (1)').catch(() => undefined);
        }),
        TransactionRolledBackError,
      );
      assert.deepEqual((await db.query('SELECT count(*)::int AS n FROM driver_test')).rows, [{ n: 0 }]);
    }));

  // PGlite answers from a worker thread (server/db/pglite-client.ts): its errors are rebuilt there.
  test(`on ${kind}, a statement error carries PostgreSQL's code, constraint and detail`, () =>
    withDriver(kind, async (db) => {
      await db.query('CREATE TABLE driver_test (x int CONSTRAINT driver_test_pk PRIMARY KEY)');
      await db.query('INSERT INTO driver_test VALUES (1)');
      const fields = (err: Error & Record<string, unknown>) => [err instanceof Error, err.code, err.constraint, err.detail, err.message];
      const expected = [true, '23505', 'driver_test_pk', 'Key (x)=(1) already exists.', 'duplicate key value violates unique constraint "driver_test_pk"'];
      await assert.rejects(db.query('INSERT INTO driver_test VALUES (1)'), (err: Error & Record<string, unknown>) => (assert.deepEqual(fields(err), expected), true));
      await assert.rejects(
        db.transaction((tx) => tx.query('INSERT INTO driver_test VALUES ($1)', [1])),
        (err: Error & Record<string, unknown>) => (assert.deepEqual(fields(err), expected), true),
      );
    }));
}

describe('PostgreSQL connection loss', { skip: databaseKinds.includes('postgres') ? false : 'needs PostgreSQL: set TEST_DATABASE_URL' }, () => {
  const terminate = (database: TestDatabase) =>
    withClient(process.env.TEST_DATABASE_URL!, (c) =>
      c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'parley-driver-test'", [new URL(database.ownerUrl!).pathname.slice(1)]),
    );

  test('a connection killed inside a transaction or a session fails that work with DatabaseUnavailableError; the next query reconnects', () =>
    withDriver('postgres', async (db, database) => {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          // Killed while checked out and idle: node-postgres emits 'error' on the client, which must be heard.
          await terminate(database!);
          await sleep(100);
          await tx.query('SELECT 1');
        }),
        DatabaseUnavailableError,
      );
      await assert.rejects(
        db.withSession(async (session) => {
          await session.query('SELECT pg_try_advisory_lock(1)');
          await terminate(database!);
          await sleep(100);
          await session.query('SELECT pg_advisory_unlock(1)');
        }),
        DatabaseUnavailableError,
      );
      // Killed in the middle of a statement: the error arrives as the statement's answer.
      const slow = assert.rejects(db.query('SELECT pg_sleep(5)'), DatabaseUnavailableError);
      await sleep(200);
      await terminate(database!);
      await slow;
      assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      assert.deepEqual(await db.transaction((tx) => tx.query('SELECT 2 AS two').then((r) => r.rows)), [{ two: 2 }]);
    }));

  test('a database that refuses connections is DatabaseUnavailableError, not a statement error', async () => {
    const db = openPostgres('postgres://postgres@127.0.0.1:1/nothing_here');
    try {
      await assert.rejects(db.query('SELECT 1'), DatabaseUnavailableError);
      await assert.rejects(db.transaction((tx) => tx.query('SELECT 1')), DatabaseUnavailableError);
    } finally {
      await db.close();
    }
  });

  test('a statement error stays what it is', () =>
    withDriver('postgres', async (db) => {
      await assert.rejects(db.query('SELECT 1/0'), (err: Error) => !(err instanceof DatabaseUnavailableError) && /division by zero/.test(err.message));
    }));
});

test('isConnectionFailure knows connection errors from statement errors', () => {
  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const err of [
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('57P02'),
    pgError('57P03', 'the database system is starting up'),
    pgError('08006'),
    pgError('08P01'),
    pgError('ECONNREFUSED'),
    pgError('ECONNRESET'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Client has encountered a connection error and is not queryable'),
    new DatabaseUnavailableError(new Error('gone')),
  ]) {
    assert.equal(isConnectionFailure(err), true, `${(err as { code?: string }).code ?? ''} ${err.message}`);
  }
  for (const err of [pgError('23505', 'duplicate key'), pgError('22012', 'division by zero'), pgError('42501'), new Error('boom'), 'Connection terminated', undefined]) {
    assert.equal(isConnectionFailure(err), false, String(err));
  }
});
