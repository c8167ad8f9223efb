import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { RUNTIME_ROLE } from '../../server/config.js';
import { assertRuntimeRole, DatabaseSetupError, openDatabase } from '../../server/db/open.js';
import { openPglite } from '../../server/db/pglite.js';
import { spawnServer } from '../support/child-server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';

// A member of another role may SET ROLE to it; NOINHERIT does not stop that.
const REFUSED = new RegExp(`role ${RUNTIME_ROLE} must be a member of no other role, but is a member of parley_test_group; fix it with: REVOKE parley_test_group FROM ${RUNTIME_ROLE}`);

test('start-up refuses a runtime role that is a member of another role, in one line (pglite)', async () => {
  const database = await createTestDatabase('pglite', { migrated: true });
  try {
    const dir = database.config.kind === 'pglite' ? database.config.dir : undefined;
    const owner = await openPglite(dir);
    await owner.query('CREATE ROLE parley_test_group');
    await owner.query(`GRANT parley_test_group TO ${RUNTIME_ROLE}`);
    await owner.close();
    // As an operator starts it: a one-line refusal and exit code 1, never a running server.
    const started = await spawnServer(['--import', 'tsx', 'server/main.ts'], testEnv({ DATA_DIR: dirname(dir!) })).then(
      async (server) => `started at ${server.url} (exit ${await server.stop()})`,
      (err: Error) => err.message,
    );
    assert.match(started, /^server exited with 1 before printing its URL:\n/);
    assert.match(started, new RegExp(`\\nparley: ${REFUSED.source}\\s*$`));

    const fixed = await openPglite(dir);
    await fixed.query(`REVOKE parley_test_group FROM ${RUNTIME_ROLE}`);
    await fixed.close();
    await (await openDatabase(database.config)).close();
  } finally {
    await database.drop();
  }
});

// Roles belong to the whole PostgreSQL cluster, which other suites share while this runs: the
// membership is granted in a transaction that is rolled back, and the check runs inside it.
test('the runtime role check refuses a membership in another role (postgres)', { skip: databaseKinds.includes('postgres') ? false : 'needs PostgreSQL: set TEST_DATABASE_URL' }, async () => {
  const database = await createTestDatabase('postgres');
  const client = new pg.Client({ connectionString: database.ownerUrl });
  try {
    await (await openDatabase(database.config)).close();
    await client.connect();
    const q = { query: async (sql: string, params?: readonly unknown[]) => ({ ...(await client.query(sql, params as unknown[])), rowCount: 0 }) };
    await client.query('BEGIN');
    await assertRuntimeRole(q);
    await client.query('CREATE ROLE parley_test_group');
    await client.query(`GRANT parley_test_group TO ${RUNTIME_ROLE}`);
    await assert.rejects(assertRuntimeRole(q), (err: Error) => err instanceof DatabaseSetupError && REFUSED.test(err.message));
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
    await database.drop();
  }
});
