// Personal data in the audit logs (issue #11): addresses cut and emails cleared after
// AUDIT_IP_TRUNCATE_DAYS, rows deleted after AUDIT_RETENTION_DAYS, by the retention job
// through the two functions of migration 0010, the only way anything changes audit rows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig, RUNTIME_ROLE } from '../../server/config.js';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { runRetention } from '../../server/retention/retention.service.js';
import { createTestDatabase, databaseKinds, databaseUrl, testDatabaseName, withClient, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';
import { testEnv } from '../support/test-server.js';

const PERIODS = { ipTruncateDays: 30, retentionDays: 365 };
const ago = "now() - $2::float8 * interval '1 day'";

interface Seeded {
  workspaceId: string;
  /** Prefixes every seeded action, so a test finds its own rows in a shared database. */
  marker: string;
}

/** Workspace and platform audit rows 10, 40 and 400 days old, written as the application would (runtime role). */
async function seedAudit(db: Db): Promise<Seeded> {
  const { id: workspaceId } = await seedWorkspace(db);
  const marker = randomBytes(4).toString('hex');
  const rows: [string, number, string | null, object | null, object | null][] = [
    ['recent', 10, '203.0.113.78', { email: 'kept@example.test', role: 'admin' }, null],
    ['old.v4', 40, '203.0.113.77', { email: 'gone@example.test', role: 'admin' }, null],
    ['old.v6', 40, '2001:db8:abcd:12::1', null, { email: 'invitee@example.test', role: 'viewer' }],
    ['old.mapped', 40, '::ffff:198.51.100.9', null, null],
    ['old.junk', 40, 'not an address', null, null],
    ['ancient', 400, '203.0.113.79', null, null],
  ];
  await withTenant(db, workspaceId, async (q) => {
    for (const [action, days, ip, before, after] of rows) {
      await q.query(
        `INSERT INTO audit_events (workspace_id, actor_label, action, ip, before, after, created_at) VALUES ($1, 'admin@example.test', $3, $4, $5, $6, ${ago})`,
        [workspaceId, days, `${marker}.${action}`, ip, before && JSON.stringify(before), after && JSON.stringify(after)],
      );
    }
  });
  const platform: [string, number, object][] = [
    ['recent', 5, { ip: '203.0.113.6' }],
    ['old', 40, { ip: '203.0.113.5', mfa: true }],
    ['old.email', 40, { email: 'someone@example.test', reason: 'x' }],
    ['ancient', 400, { ip: '203.0.113.7' }],
  ];
  await withoutTenant(db, async (q) => {
    for (const [action, days, details] of platform) {
      await q.query(`INSERT INTO platform_audit_events (actor, action, details, created_at) VALUES ('account:x', $1, $3, ${ago})`, [
        `${marker}.${action}`, days, JSON.stringify(details),
      ]);
    }
  });
  return { workspaceId, marker };
}

async function workspaceRows(db: Db, { workspaceId, marker }: Seeded) {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<{ action: string; ip: string | null; before: unknown; after: unknown; actor_label: string }>(
      'SELECT action, ip, before, after, actor_label FROM audit_events WHERE starts_with(action, $1) ORDER BY id',
      [`${marker}.`],
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.action.slice(marker.length + 1), r]));
}

async function platformRows(db: Db, { marker }: Seeded) {
  const { rows } = await withoutTenant(db, (q) =>
    q.query<{ action: string; details: unknown }>('SELECT action, details FROM platform_audit_events WHERE starts_with(action, $1) ORDER BY id', [`${marker}.`]),
  );
  return Object.fromEntries(rows.map((r) => [r.action.slice(marker.length + 1), r.details]));
}

/** The checks, for one database whose migrations ran as the given owner. */
function auditRetentionTests(label: string, open: () => Promise<{ db: Db; close(): Promise<void> }>) {
  describe(`audit log retention on ${label}`, () => {
    let handle: { db: Db; close(): Promise<void> };
    let db: Db;
    before(async () => {
      handle = await open();
      db = handle.db;
    });
    after(() => handle?.close());

    test('cuts addresses and clears emails past the first period, deletes rows past the second, keeps newer ones as they were', async () => {
      const seeded = await seedAudit(db);
      const run = await runRetention(db, { audit: PERIODS, batchSize: 2 });
      assert.ok(run, 'the run took the lock');
      assert.equal(run.failed, 0);
      // 5 workspace rows past 30 days (old.*), 2 platform rows; ancient ones deleted first.
      assert.deepEqual(run.audit, { truncated: 6, deleted: 2 });

      const w = await workspaceRows(db, seeded);
      assert.deepEqual(Object.keys(w).sort(), ['old.junk', 'old.mapped', 'old.v4', 'old.v6', 'recent']);
      assert.equal(w['recent']!.ip, '203.0.113.78');
      assert.deepEqual(w['recent']!.before, { email: 'kept@example.test', role: 'admin' });
      assert.equal(w['old.v4']!.ip, '203.0.113.0/24');
      assert.deepEqual(w['old.v4']!.before, { email: null, role: 'admin' });
      assert.equal(w['old.v6']!.ip, '2001:db8:abcd::/48');
      assert.deepEqual(w['old.v6']!.after, { email: null, role: 'viewer' });
      assert.equal(w['old.mapped']!.ip, '198.51.100.0/24');
      assert.equal(w['old.junk']!.ip, null);
      // Who acted stays, for accountability, until the row itself is deleted.
      assert.equal(w['old.v4']!.actor_label, 'admin@example.test');

      const p = await platformRows(db, seeded);
      assert.deepEqual(p, {
        recent: { ip: '203.0.113.6' },
        old: { ip: '203.0.113.0/24', mfa: true },
        'old.email': { email: null, reason: 'x' },
      });

      const events = (await withoutTenant(db, (q) => q.query<{ details: Record<string, number> }>("SELECT details FROM platform_audit_events WHERE action = 'audit.retention' ORDER BY id"))).rows;
      assert.deepEqual(events.at(-1)?.details, { truncated: 6, deleted: 2, ipTruncateDays: 30, retentionDays: 365 });

      // Nothing left to do: a second run changes nothing and records nothing.
      const again = await runRetention(db, { audit: PERIODS });
      assert.deepEqual(again?.audit, { truncated: 0, deleted: 0 });
      assert.deepEqual(await workspaceRows(db, seeded), w);
    });

    test('the runtime role still cannot update or delete audit rows, nor read them across workspaces', async () => {
      const seeded = await seedAudit(db);
      const refused = /permission denied/;
      await assert.rejects(withTenant(db, seeded.workspaceId, (q) => q.query('UPDATE audit_events SET ip = NULL')), refused);
      await assert.rejects(withTenant(db, seeded.workspaceId, (q) => q.query('DELETE FROM audit_events')), refused);
      await assert.rejects(withoutTenant(db, (q) => q.query('UPDATE platform_audit_events SET details = NULL')), refused);
      await assert.rejects(withoutTenant(db, (q) => q.query('DELETE FROM platform_audit_events')), refused);
      await assert.rejects(withoutTenant(db, (q) => q.query("SELECT parley_truncate_ip('203.0.113.1')")), refused);
      // The functions refuse periods below their floors, so they cannot erase recent evidence.
      await assert.rejects(withoutTenant(db, (q) => q.query('SELECT parley_audit_expire(89, 1000)')), /days must be between 90 and 36500/);
      await assert.rejects(withoutTenant(db, (q) => q.query('SELECT parley_audit_truncate(6, 1000)')), /days must be between 7 and 36500/);
      // The owner's retention policy does not open the log to the runtime role, whatever it sets.
      const seen = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
        await tx.query("SELECT set_config('app.audit_retention', 'on', true)");
        return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).rows[0]!.n;
      });
      assert.equal(seen, 0);
      assert.equal(Object.keys(await workspaceRows(db, seeded)).length, 6);
    });
  });
}

for (const kind of databaseKinds) {
  auditRetentionTests(kind, async () => {
    const database: TestDatabase = await createTestDatabase(kind, { migrated: true });
    const db = await openDatabase(database.config);
    return { db, close: async () => { await db.close(); await database.drop(); } };
  });
}

// As in docs/deployment.md: the schema owner is no superuser, so row security, FORCEd on
// audit_events, applies to it too; the functions must still reach the rows.
if (process.env.TEST_DATABASE_URL) {
  auditRetentionTests('PostgreSQL with an owner that is not a superuser', async () => {
    const admin = process.env.TEST_DATABASE_URL!;
    const name = testDatabaseName();
    const owner = `${name}_owner`;
    await withClient(admin, async (c) => {
      await c.query(`CREATE ROLE ${owner} LOGIN NOSUPERUSER NOBYPASSRLS`);
      await c.query(`CREATE DATABASE ${name} OWNER ${owner}`);
    });
    const ownerUrl = new URL(databaseUrl(admin, name));
    ownerUrl.username = owner;
    const runtimeUrl = new URL(ownerUrl);
    runtimeUrl.username = RUNTIME_ROLE;
    const db = await openDatabase({ kind: 'postgres', ownerUrl: ownerUrl.toString(), runtimeUrl: runtimeUrl.toString() });
    return {
      db,
      close: async () => {
        await db.close();
        await withClient(admin, async (c) => {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.query(`DROP ROLE IF EXISTS ${owner}`);
        });
      },
    };
  });
}

describe('AUDIT_IP_TRUNCATE_DAYS and AUDIT_RETENTION_DAYS', () => {
  test('default to 30 and 365 days; values below the database functions\' floors are refused at start-up', () => {
    assert.deepEqual(loadConfig(testEnv()).audit, PERIODS);
    assert.deepEqual(loadConfig(testEnv({ AUDIT_IP_TRUNCATE_DAYS: '7', AUDIT_RETENTION_DAYS: '90' })).audit, { ipTruncateDays: 7, retentionDays: 90 });
    assert.throws(() => loadConfig(testEnv({ AUDIT_IP_TRUNCATE_DAYS: '6' })), (err: Error) => err instanceof ConfigError && /^AUDIT_IP_TRUNCATE_DAYS: /.test(err.message));
    assert.throws(() => loadConfig(testEnv({ AUDIT_RETENTION_DAYS: '89' })), (err: Error) => err instanceof ConfigError && /^AUDIT_RETENTION_DAYS: /.test(err.message));
  });
});
