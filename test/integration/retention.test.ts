import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../server/config.js';
import type { Db } from '../../server/db/db.js';
import { jobLockKey } from '../../server/db/job-lock.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { createLogger } from '../../server/logging.js';
import { runRetention } from '../../server/retention/retention.service.js';
import { startServer } from '../../server/server.js';
import { runToExit } from '../support/child-server.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { seedWorkspace } from '../support/seed.js';
import { testEnv } from '../support/test-server.js';

const RETENTION = ['--import', 'tsx', 'scripts/retention.ts'];

/** A seeded workspace (one recent conversation, two messages) with the given retention days. */
async function workspace(db: Db, retentionDays: number) {
  const w = await seedWorkspace(db);
  await withTenant(db, w.id, (q) => q.query('UPDATE widget_settings SET retention_days = $2 WHERE workspace_id = $1', [w.id, retentionDays]));
  return w;
}

/** A visitor and a conversation last touched `daysAgo`, with one message per entry of messageDaysAgo; timestamps written explicitly. */
async function backdated(db: Db, workspaceId: string, daysAgo: number, messageDaysAgo: number[]) {
  return withTenant(db, workspaceId, async (q) => {
    const ago = 'now() - $2::float8 * interval \'1 day\'';
    const { rows: [v] } = await q.query<{ id: string }>(
      `INSERT INTO visitors (workspace_id, secret_hash, created_at, last_seen_at) VALUES ($1, $3, ${ago}, ${ago}) RETURNING id`,
      [workspaceId, daysAgo, randomBytes(32)],
    );
    const { rows: [c] } = await q.query<{ id: string }>(
      `INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at) VALUES ($1, $3, ${ago}, ${ago}) RETURNING id`,
      [workspaceId, daysAgo, v!.id],
    );
    for (const days of messageDaysAgo) {
      await q.query(
        `INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $3, 'user', 'old words', ${ago})`,
        [workspaceId, days, c!.id],
      );
    }
    return { visitorId: v!.id, conversationId: c!.id };
  });
}

async function counts(db: Db, workspaceId: string) {
  return withTenant(db, workspaceId, async (q) => {
    const n = async (table: string) => (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    return { messages: await n('messages'), conversations: await n('conversations'), visitors: await n('visitors') };
  });
}

async function retentionAudit(db: Db, workspaceId: string) {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<{ actor_label: string; after: unknown }>("SELECT actor_label, after FROM audit_events WHERE action = 'retention.deleted' ORDER BY id"),
  );
  return rows;
}

for (const kind of databaseKinds) {
  describe(`retention on ${kind}`, () => {
    let database: TestDatabase;
    let db: Db;

    before(async () => {
      database = await createTestDatabase(kind, { migrated: true });
      db = await openDatabase(database.config);
    });
    after(async () => {
      await db?.close();
      await database?.drop();
    });

    test('deletes what is older than each workspace’s retention, keeps the rest and other workspaces, and audits the counts', async () => {
      const short = await workspace(db, 1);
      const long = await workspace(db, 365);
      const untouched = await seedWorkspace(db);
      // short: one conversation with 3 messages of 2 days ago and one of an hour ago.
      const mixed = await backdated(db, short.id, 2, [2, 2, 2, 1 / 24]);
      // long: 2 days old is kept at 365 days; 400 days old goes, leaving its conversation and visitor empty.
      await backdated(db, long.id, 2, [2]);
      await backdated(db, long.id, 400, [400, 400]);

      const run = await runRetention(db, { batchSize: 2 });
      assert.ok(run);
      const mine = run.workspaces.filter((w) => [short.id, long.id, untouched.id].includes(w.workspaceId));
      assert.deepEqual(
        mine.map(({ workspaceId, retentionDays, messages, conversations, visitors }) => ({ workspaceId, retentionDays, messages, conversations, visitors })),
        [
          { workspaceId: short.id, retentionDays: 1, messages: 3, conversations: 0, visitors: 0 },
          { workspaceId: long.id, retentionDays: 365, messages: 2, conversations: 1, visitors: 1 },
        ],
      );
      // short keeps its seeded conversation (2 messages) and the hour-old message.
      assert.deepEqual(await counts(db, short.id), { messages: 3, conversations: 2, visitors: 2 });
      const left = await withTenant(db, short.id, (q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [mixed.conversationId]));
      assert.equal(left.rows[0]!.n, 1);
      assert.deepEqual(await counts(db, long.id), { messages: 3, conversations: 2, visitors: 2 });
      assert.deepEqual(await counts(db, untouched.id), { messages: 2, conversations: 1, visitors: 1 });

      assert.deepEqual(await retentionAudit(db, short.id), [{ actor_label: 'retention', after: { messages: 3, conversations: 0, visitors: 0 } }]);
      assert.deepEqual(await retentionAudit(db, long.id), [{ actor_label: 'retention', after: { messages: 2, conversations: 1, visitors: 1 } }]);
      assert.deepEqual(await retentionAudit(db, untouched.id), [], 'no audit event where nothing was deleted');

      const again = await runRetention(db);
      assert.equal(again?.workspaces.some((w) => [short.id, long.id].includes(w.workspaceId)), false, 'a second run finds nothing more');
    });

    test('removes empty old conversations and orphan visitors, and keeps those still in use or recently seen', async () => {
      const w = await workspace(db, 30);
      const gone = await backdated(db, w.id, 60, [60, 61]);
      // An old conversation that still has a recent message stays, and so does its visitor.
      const kept = await backdated(db, w.id, 60, [60, 1]);
      // An empty conversation touched recently stays; a visitor seen recently with nothing left stays.
      const recentEmpty = await backdated(db, w.id, 1, []);
      const { visitorId: recentVisitor } = await backdated(db, w.id, 1, []);
      await withTenant(db, w.id, (q) => q.query('DELETE FROM conversations WHERE visitor_id = $1', [recentVisitor]));
      // An old visitor with no conversation at all goes.
      const { visitorId: oldOrphan } = await backdated(db, w.id, 90, []);
      await withTenant(db, w.id, (q) => q.query('DELETE FROM conversations WHERE visitor_id = $1', [oldOrphan]));

      const run = await runRetention(db);
      assert.deepEqual(run?.workspaces.find((r) => r.workspaceId === w.id), {
        workspaceId: w.id, retentionDays: 30, messages: 3, conversations: 1, visitors: 2,
      });
      const ids = await withTenant(db, w.id, async (q) => ({
        conversations: (await q.query<{ id: string }>('SELECT id FROM conversations')).rows.map((r) => r.id).sort(),
        visitors: (await q.query<{ id: string }>('SELECT id FROM visitors')).rows.map((r) => r.id).sort(),
      }));
      assert.deepEqual(ids.conversations, [w.conversationId, kept.conversationId, recentEmpty.conversationId].sort());
      assert.deepEqual(ids.visitors, [w.visitorId, kept.visitorId, recentEmpty.visitorId, recentVisitor].sort());
      assert.ok(!ids.visitors.includes(gone.visitorId) && !ids.visitors.includes(oldOrphan));
    });

    test('removes expired admin sessions, used or expired reset tokens and expired invitations, and keeps live ones', async () => {
      const w = await workspace(db, 365);
      const ids = await withoutTenant(db, async (q) => {
        const session = (expires: string) =>
          q.query<{ id: string }>(`INSERT INTO admin_sessions (account_id, token_hash, expires_at) VALUES ($1, $2, ${expires}) RETURNING id`, [w.accountId, randomBytes(32)]);
        const reset = (expires: string, used: string) =>
          q.query<{ id: string }>(`INSERT INTO password_reset_tokens (account_id, token_hash, expires_at, used_at) VALUES ($1, $2, ${expires}, ${used}) RETURNING id`, [w.accountId, randomBytes(32)]);
        return {
          liveSession: (await session("now() + interval '1 day'")).rows[0]!.id,
          deadSession: (await session("now() - interval '1 second'")).rows[0]!.id,
          liveReset: (await reset("now() + interval '1 hour'", 'NULL')).rows[0]!.id,
          usedReset: (await reset("now() + interval '1 hour'", 'now()')).rows[0]!.id,
          deadReset: (await reset("now() - interval '1 second'", 'NULL')).rows[0]!.id,
        };
      });
      await withTenant(db, w.id, (q) => q.query(
        "INSERT INTO invitations (workspace_id, email, role, token_hash, expires_at) VALUES ($1, 'late@example.test', 'viewer', $2, now() - interval '1 second')",
        [w.id, randomBytes(32)],
      ));

      const run = await runRetention(db);
      assert.ok(run!.expired.sessions >= 1 && run!.expired.resetTokens >= 2 && run!.expired.invitations >= 1, JSON.stringify(run!.expired));
      const left = await withoutTenant(db, async (q) => [
        ...(await q.query<{ id: string }>('SELECT id FROM admin_sessions WHERE account_id = $1', [w.accountId])).rows,
        ...(await q.query<{ id: string }>('SELECT id FROM password_reset_tokens WHERE account_id = $1', [w.accountId])).rows,
      ].map((r) => r.id).sort());
      assert.deepEqual(left, [ids.liveSession, ids.liveReset].sort());
      // The seeded invitation (expires tomorrow) stays; the expired one is gone.
      const invitations = await withTenant(db, w.id, (q) => q.query<{ email: string }>('SELECT email FROM invitations'));
      assert.deepEqual(invitations.rows.map((r) => r.email), ['invitee@example.test']);
    });

    test('only one run at a time: a second concurrent run skips', async () => {
      const w = await workspace(db, 1);
      await backdated(db, w.id, 5, [5, 5, 5]);
      const [first, second] = await Promise.all([runRetention(db, { batchSize: 1 }), runRetention(db, { batchSize: 1 })]);
      assert.equal([first, second].filter((r) => r === undefined).length, 1, 'exactly one of two runs skipped');
      assert.deepEqual(await counts(db, w.id), { messages: 2, conversations: 1, visitors: 1 });
      assert.equal((await retentionAudit(db, w.id)).length, 1);
    });

    if (kind === 'postgres') {
      test('on PostgreSQL, a run skips while another instance holds the advisory lock', async () => {
        const w = await workspace(db, 1);
        await backdated(db, w.id, 5, [5]);
        const other = new pg.Client({ connectionString: database.ownerUrl });
        await other.connect();
        try {
          const { rows } = await other.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [jobLockKey('retention')]);
          assert.equal(rows[0]!.locked, true);
          assert.equal(await runRetention(db), undefined);
          assert.equal((await counts(db, w.id)).messages, 3);
        } finally {
          await other.end();
        }
        const run = await runRetention(db);
        assert.equal(run?.workspaces.find((r) => r.workspaceId === w.id)?.messages, 1, 'runs once the other instance is gone');
      });
    }

    test('the server runs retention at start-up, in the background', async () => {
      const w = await workspace(db, 7);
      await backdated(db, w.id, 30, [30, 30]);
      const config = { ...loadConfig(testEnv()), database: database.config };
      const logs: string[] = [];
      const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
      const running = await startServer(config, logger, { db });
      try {
        const deadline = Date.now() + 20_000;
        // Until the run has audited, which it does after the last step: close() would stop it between batches.
        while ((await retentionAudit(db, w.id)).length === 0) {
          assert.ok(Date.now() < deadline, 'a retention run soon after start-up');
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await running.close(1_000);
      }
      assert.deepEqual(await counts(db, w.id), { messages: 2, conversations: 1, visitors: 1 });
      assert.ok(logs.some((l) => l.includes('retention run finished')));
      assert.ok(!logs.join('').includes('old words'), 'no content in the log');
    });
  });

  test(`npm run retention prints per-workspace counts and totals, on ${kind}`, async () => {
    const database = await createTestDatabase(kind);
    const env = testEnv(database.config.kind === 'postgres' ? { DATABASE_URL: database.config.ownerUrl } : {});
    const config = database.config.kind === 'postgres' ? database.config : { kind: 'pglite' as const, dir: join(env.DATA_DIR!, 'pglite') };
    try {
      let id: string;
      const db = await openDatabase(config);
      try {
        const w = await workspace(db, 10);
        id = w.id;
        await backdated(db, w.id, 20, [20, 20, 20]);
        if (kind === 'pglite') {
          // While the server (here: this process) holds the embedded database, the script refuses.
          const refused = await runToExit(RETENTION, env);
          assert.equal(refused.code, 1);
          assert.match(refused.output, /^retention: DATA_DIR: the embedded database in .* is in use by process \d+; stop it first$/m);
        }
      } finally {
        await db.close();
      }
      const { code, output } = await runToExit(RETENTION, env);
      assert.equal(code, 0, output);
      assert.match(output, new RegExp(`^workspace ${id} \\(10 days\\): 3 messages, 1 conversations, 1 visitors deleted$`, 'm'));
      assert.match(output, /^total: 3 messages, 1 conversations, 1 visitors deleted in 1 workspaces \(\d+\.\d s\)$/m);
      assert.ok(!output.includes('old words'));
    } finally {
      await database.drop();
    }
  });
}
