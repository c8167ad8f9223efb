import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { listRetentionPolicies, resolvePublicWorkspace, TenantGuardError, withTenant, withoutTenant } from '../../server/db/tenant.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace, type SeededWorkspace } from '../support/seed.js';

const KNOWN_TENANT_TABLES = ['memberships', 'invitations', 'api_keys', 'provider_keys', 'widget_settings', 'visitors', 'conversations', 'messages', 'audit_events'];

for (const kind of databaseKinds) {
  describe(`row-level security on ${kind}`, () => {
    let database: TestDatabase;
    let db: Db;
    let tenantTables: string[];
    let a: SeededWorkspace;
    let b: SeededWorkspace;

    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      db = await openDatabase(database.config);
      const { rows } = await db.query<{ relname: string }>(
        `SELECT c.relname FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attname = 'workspace_id' AND n.nspname = 'public' AND c.relkind = 'r' AND NOT a.attisdropped
          ORDER BY 1`,
      );
      tenantTables = rows.map((r) => r.relname);
      a = await seedWorkspace(db, 'A');
      b = await seedWorkspace(db, 'B');
    });
    after(async () => {
      await db?.close();
      await database?.drop();
    });

    /** Column that names the owning workspace: `id` on workspaces, `workspace_id` elsewhere. */
    const ownerColumn = (table: string) => (table === 'workspaces' ? 'id' : 'workspace_id');
    const allTenantTables = () => ['workspaces', ...tenantTables];

    test('every table with workspace_id, and workspaces, has row security enabled and forced', async () => {
      for (const known of KNOWN_TENANT_TABLES) assert.ok(tenantTables.includes(known), `${known} has workspace_id`);
      const { rows } = await db.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'",
        [allTenantTables()],
      );
      assert.equal(rows.length, allTenantTables().length);
      for (const row of rows) {
        assert.ok(row.relrowsecurity, `${row.relname}: row security enabled`);
        assert.ok(row.relforcerowsecurity, `${row.relname}: row security forced`);
      }
    });

    test('the runtime role is NOINHERIT, NOBYPASSRLS, not a superuser and owns no table', async () => {
      const { rows } = await db.query<{ rolinherit: boolean; rolbypassrls: boolean; rolsuper: boolean; owned: number }>(
        `SELECT rolinherit, rolbypassrls, rolsuper, (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS owned
           FROM pg_roles r WHERE rolname = 'parley_app'`,
      );
      assert.deepEqual(rows, [{ rolinherit: false, rolbypassrls: false, rolsuper: false, owned: 0 }]);
    });

    test('with no tenant set, no tenant table shows a row', async () => {
      for (const table of allTenantTables()) {
        const { rows } = await withoutTenant(db, (q) => q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`));
        assert.equal(rows[0]!.n, 0, `${table} with no tenant`);
      }
    });

    test('a tenant sees only its own rows, even with no WHERE clause', async () => {
      for (const table of allTenantTables()) {
        const column = ownerColumn(table);
        const { rows } = await withTenant(db, a.id, (q) => q.query<{ owner: string }>(`SELECT ${column} AS owner FROM ${table}`));
        assert.ok(rows.length > 0, `${table}: A sees its own rows`);
        assert.ok(rows.every((r) => r.owner === a.id), `${table}: A sees only its own rows`);
      }
    });

    test("a tenant cannot insert a row into another workspace", async () => {
      await assert.rejects(
        withTenant(db, a.id, (q) =>
          q.query("INSERT INTO messages (workspace_id, conversation_id, role, content) VALUES ($1, $2, 'user', 'planted')", [b.id, b.conversationId]),
        ),
        /row-level security/,
      );
      await assert.rejects(
        withTenant(db, a.id, (q) => q.query("INSERT INTO workspaces (id, public_id, name) VALUES ($1, 'wk_planted01', 'x')", [b.id])),
        /row-level security|duplicate key/,
      );
      const { rows } = await withTenant(db, b.id, (q) => q.query("SELECT 1 FROM messages WHERE content = 'planted'"));
      assert.equal(rows.length, 0);
    });

    test("an UPDATE with no WHERE clause changes only the tenant's own rows", async () => {
      const changed = await withTenant(db, a.id, (q) => q.query("UPDATE messages SET content = 'changed by A'"));
      assert.equal(changed.rowCount, 2);
      await assert.rejects(
        withTenant(db, a.id, (q) => q.query('UPDATE messages SET workspace_id = $1', [b.id])),
        /row-level security|foreign key/,
        'A cannot move its rows into B',
      );
      const { rows } = await withTenant(db, b.id, (q) => q.query<{ content: string }>('SELECT content FROM messages ORDER BY content'));
      assert.deepEqual(rows.map((r) => r.content), ['hello', 'hi']);
    });

    test("a DELETE with no WHERE clause removes only the tenant's own rows", async () => {
      const victim = await seedWorkspace(db, 'victim');
      const attacker = await seedWorkspace(db, 'attacker');
      const deleted = await withTenant(db, attacker.id, (q) => q.query('DELETE FROM conversations'));
      assert.equal(deleted.rowCount, 1);
      const { rows } = await withTenant(db, victim.id, (q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM messages'));
      assert.equal(rows[0]!.n, 2);
    });

    test('the runtime role cannot turn row security off', async () => {
      for (const statement of [
        'ALTER TABLE messages DISABLE ROW LEVEL SECURITY',
        'ALTER TABLE messages NO FORCE ROW LEVEL SECURITY',
        'DROP POLICY tenant_isolation ON messages',
        'CREATE POLICY open_door ON messages USING (true)',
      ]) {
        await assert.rejects(withTenant(db, a.id, (q) => q.query(statement)), /must be owner|permission denied/, statement);
      }
      // Below the guard, at the database itself: row_security=off makes a query that RLS would filter fail.
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('SET LOCAL ROLE parley_app');
          await tx.query('SET LOCAL row_security = off');
          await tx.query('SELECT * FROM messages');
        }),
        /row-level security/,
      );
      await assert.rejects(withTenant(db, a.id, (q) => q.query('SET row_security = off')), TenantGuardError);
    });

    test('the runtime role cannot update or delete audit events, only append and read them', async () => {
      await assert.rejects(withTenant(db, a.id, (q) => q.query("UPDATE audit_events SET action = 'forged'")), /permission denied/);
      await assert.rejects(withTenant(db, a.id, (q) => q.query('DELETE FROM audit_events')), /permission denied/);
      await assert.rejects(withTenant(db, a.id, (q) => q.query('TRUNCATE audit_events')), /permission denied/);
      await assert.rejects(withoutTenant(db, (q) => q.query('DELETE FROM platform_audit_events')), /permission denied/);
      await withTenant(db, a.id, (q) => q.query("INSERT INTO audit_events (workspace_id, actor_label, action) VALUES ($1, 'test', 'appended')", [a.id]));
      const { rows } = await withTenant(db, a.id, (q) => q.query<{ action: string }>('SELECT action FROM audit_events ORDER BY id'));
      assert.deepEqual(rows.map((r) => r.action), ['workspace.created', 'appended']);
    });

    test('a tenant transaction cannot switch role, change its tenant or end itself', async () => {
      for (const statement of [
        'SET ROLE postgres',
        'set local role postgres',
        'RESET ROLE',
        'SET SESSION AUTHORIZATION postgres',
        "SELECT set_config('role', 'postgres', true)",
        "SELECT set_config('app.tenant_id', '00000000-0000-0000-0000-000000000000', true)",
        "SELECT set_config('app.public_id', 'wk_anything', true)",
        "SELECT set_config('app.job', 'retention', true)",
        "SET LOCAL app.job = 'retention'",
        "SELECT set_config('app.account_id', '00000000-0000-0000-0000-000000000000', true)",
        "SET LOCAL app.invitation_token = 'ab'",
        '-- a comment first\nSET ROLE postgres',
        '/* a comment first */ SET ROLE postgres',
        'COMMIT',
        'ROLLBACK',
        'SELECT 1; RESET ROLE',
      ]) {
        await assert.rejects(withTenant(db, a.id, (q) => q.query(statement)), TenantGuardError, statement);
      }
      // An UPDATE's SET clause on a column named role is not a role switch.
      await withTenant(db, a.id, (q) => q.query("UPDATE memberships SET role = 'owner' WHERE workspace_id = $1", [a.id]));
    });

    if (kind === 'postgres') {
      test('on PostgreSQL the runtime login itself cannot become the owner, whatever SQL it sends', async () => {
        const owner = new URL(database.ownerUrl!).username;
        for (const statement of [`SET ROLE ${owner}`, `SET SESSION AUTHORIZATION ${owner}`, `SELECT set_config('role', '${owner}', false)`]) {
          await assert.rejects(db.query(statement), /permission denied/, statement);
        }
        const { rows } = await db.query<{ user: string }>('RESET ROLE').then(() => db.query<{ user: string }>('SELECT current_user AS user'));
        assert.equal(rows[0]!.user, 'parley_app');
      });
    }

    test('tenant settings do not outlive their transaction on a pooled connection', async () => {
      await Promise.all(Array.from({ length: 12 }, () => withTenant(db, a.id, (q) => q.query('SELECT count(*) FROM messages'))));
      const results = await Promise.all(
        Array.from({ length: 12 }, () =>
          db.query<{ tenant: string | null; user: string }>("SELECT current_setting('app.tenant_id', true) AS tenant, current_user AS user"),
        ),
      );
      for (const r of results) {
        assert.ok(!r.rows[0]!.tenant, 'no tenant left behind');
        assert.notEqual(r.rows[0]!.user === 'parley_app' && kind === 'pglite', true, 'no role left behind on the shared PGlite session');
      }
    });

    test('a public id lookup finds exactly its workspace and shows no other row of any table', async () => {
      const publicId = async (id: string) =>
        (await withTenant(db, id, (q) => q.query<{ public_id: string }>('SELECT public_id FROM workspaces'))).rows[0]!.public_id;
      const aPublic = await publicId(a.id);
      assert.deepEqual(await resolvePublicWorkspace(db, aPublic), { id: a.id, name: 'A' });
      assert.equal(await resolvePublicWorkspace(db, await publicId(b.id)).then((w) => w?.id), b.id);
      assert.equal(await resolvePublicWorkspace(db, 'wk_unknown_0000'), undefined);
      assert.equal(await resolvePublicWorkspace(db, ''), undefined);

      // What the lookup's policy lets the runtime role see, table by table.
      const seen = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL ROLE parley_app');
        await tx.query("SELECT set_config('app.public_id', $1, true)", [aPublic]);
        const counts: Record<string, number> = {};
        for (const table of allTenantTables()) {
          counts[table] = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
        }
        const updated = await tx.query("UPDATE workspaces SET name = 'taken over'");
        return { counts, updated: updated.rowCount };
      });
      for (const table of allTenantTables()) assert.equal(seen.counts[table], table === 'workspaces' ? 1 : 0, table);
      assert.equal(seen.updated, 0, 'the lookup policy is read-only');
    });

    test('the retention job sees every workspace’s retention days, read-only, and no chat data', async () => {
      await withTenant(db, b.id, (q) => q.query('UPDATE widget_settings SET retention_days = 30 WHERE workspace_id = $1', [b.id]));
      const policies = await listRetentionPolicies(db);
      assert.deepEqual(policies.filter((p) => p.workspaceId === a.id || p.workspaceId === b.id), [
        { workspaceId: a.id, retentionDays: 365 },
        { workspaceId: b.id, retentionDays: 30 },
      ]);
      // What app.job = 'retention' lets the runtime role see, table by table.
      const seen = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL ROLE parley_app');
        await tx.query("SELECT set_config('app.job', 'retention', true)");
        const counts: Record<string, number> = {};
        for (const table of allTenantTables()) {
          counts[table] = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
        }
        const writes = [
          await tx.query('UPDATE widget_settings SET retention_days = 1'),
          await tx.query("UPDATE workspaces SET name = 'taken over'"),
          await tx.query('DELETE FROM messages'),
          await tx.query('DELETE FROM widget_settings'),
        ];
        return { counts, written: writes.reduce((n, r) => n + r.rowCount, 0) };
      });
      for (const table of allTenantTables()) {
        if (table === 'workspaces' || table === 'widget_settings') assert.ok(seen.counts[table]! >= 2, `${table}: every workspace`);
        else assert.equal(seen.counts[table], 0, table);
      }
      assert.equal(seen.written, 0, 'the retention policies are read-only');
    });

    test('withTenant refuses a workspace id that is not a UUID', async () => {
      await assert.rejects(withTenant(db, "' OR true --", (q) => q.query('SELECT 1')), TypeError);
    });
  });
}

for (const kind of databaseKinds) {
  test(`on ${kind}, a transaction whose failed statement was swallowed is reported as rolled back`, async () => {
    const database = await createTestDatabase(kind, { migrated: true });
    const db = await openDatabase(database.config);
    try {
      const w = await seedWorkspace(db);
      await assert.rejects(
        withTenant(db, w.id, async (q) => {
          await q.query("UPDATE messages SET content = 'lost'");
          await q.query('SELECT 1/0').catch(() => undefined);
        }),
        /rolled back/,
      );
      const { rows } = await withTenant(db, w.id, (q) => q.query("SELECT 1 FROM messages WHERE content = 'lost'"));
      assert.equal(rows.length, 0);
    } finally {
      await db.close();
      await database.drop();
    }
  });
}
