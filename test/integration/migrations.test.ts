import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { latestVersion, loadMigrations, migrate, MigrationChangedError, SchemaTooNewError, type Migration } from '../../server/db/migrate.js';
import { openDatabase } from '../../server/db/open.js';
import { openPglite } from '../../server/db/pglite.js';
import { openPostgres } from '../../server/db/postgres.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';

/** The schema owner's connection: what migrations and an operator's tampering use. */
async function ownerDb(database: TestDatabase): Promise<Db> {
  return database.config.kind === 'pglite' ? openPglite(database.config.dir) : openPostgres(database.config.ownerUrl, { max: 4 });
}

async function withFreshDatabase(kind: (typeof databaseKinds)[number], fn: (database: TestDatabase) => Promise<void>) {
  const database = await createTestDatabase(kind);
  try {
    await fn(database);
  } finally {
    await database.drop();
  }
}

const migrations = loadMigrations();

test('migration files are numbered from 0001 without gaps', () => {
  assert.ok(migrations.length >= 1);
  migrations.forEach((m, i) => assert.equal(m.version, i + 1));
});

for (const kind of databaseKinds) {
  describe(`migrations on ${kind}`, () => {
    test('migrate an empty database once; a second run applies nothing', () =>
      withFreshDatabase(kind, async (database) => {
        const db = await ownerDb(database);
        try {
          const first = await migrate(db);
          assert.deepEqual(first.applied, migrations.map((m) => m.version));
          const second = await migrate(db);
          assert.deepEqual(second.applied, []);
          assert.equal(second.version, latestVersion(migrations));
        } finally {
          await db.close();
        }
      }));

    test('a failing migration leaves no trace and records no version', () =>
      withFreshDatabase(kind, async (database) => {
        const db = await ownerDb(database);
        try {
          const broken: Migration = { version: migrations.length + 1, name: 'broken', checksum: 'x', sql: 'CREATE TABLE half_done (a int); SELECT 1/0;' };
          await assert.rejects(migrate(db, [...migrations, broken]), /division by zero/);
          const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass('public.half_done')::text AS t, to_regclass('public.messages')::text AS m");
          assert.deepEqual(rows[0], { t: null, m: null }, 'the whole batch rolled back');
        } finally {
          await db.close();
        }
      }));

    test('start-up refuses a schema newer than the code', () =>
      withFreshDatabase(kind, async (database) => {
        const db = await ownerDb(database);
        try {
          await migrate(db);
          await db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, 'from_the_future', 'x')", [latestVersion(migrations) + 1]);
        } finally {
          await db.close();
        }
        await assert.rejects(openDatabase(database.config), (err: Error) => {
          assert.ok(err instanceof SchemaTooNewError);
          assert.match(err.message, new RegExp(`schema is at version ${latestVersion(migrations) + 1}, but this Parley knows versions up to ${latestVersion(migrations)}`));
          return true;
        });
      }));

    test('start-up refuses a migration edited after it was applied', () =>
      withFreshDatabase(kind, async (database) => {
        const db = await ownerDb(database);
        try {
          await migrate(db);
          const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
          await assert.rejects(migrate(db, edited), MigrationChangedError);
        } finally {
          await db.close();
        }
      }));
  });
}

if (databaseKinds.includes('postgres')) {
  test('instances starting together on PostgreSQL migrate exactly once', () =>
    withFreshDatabase('postgres', async (database) => {
      const url = (database.config as { ownerUrl: string }).ownerUrl;
      const pools = Array.from({ length: 4 }, () => openPostgres(url, { max: 1 }));
      try {
        const results = await Promise.all(pools.map((p) => migrate(p)));
        assert.equal(results.filter((r) => r.applied.length > 0).length, 1);
        const { rows } = await pools[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
        assert.equal(rows[0]!.n, migrations.length);
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    }));
}
