import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig } from '../../server/config.js';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { DEMO_PUBLIC_ID, ensureDemoWorkspace } from '../../server/demo/demo-workspace.js';
import { readSchedule } from '../../server/jobs/schedule.repo.js';
import { createLogger } from '../../server/logging.js';
import { memoryOutbox } from '../../server/mail/memory-outbox.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { ADMIN_TEST_OPTIONS, adminRequest, newAdmin } from '../support/admin.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';
import { allEvents, deltaText, seedWidgetWorkspace, widgetHttp } from '../support/widget.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Old chat in a workspace keeping chats one day: what a retention run would delete. */
async function expiredChat(db: Db): Promise<{ workspaceId: string; conversationId: string }> {
  const ws = await seedWidgetWorkspace(db);
  return withTenant(db, ws.id, async (q) => {
    await q.query('UPDATE widget_settings SET retention_days = 1 WHERE workspace_id = $1', [ws.id]);
    const old = "now() - interval '5 days'";
    const { rows: [v] } = await q.query<{ id: string }>(`INSERT INTO visitors (workspace_id, secret_hash, created_at, last_seen_at) VALUES ($1, $2, ${old}, ${old}) RETURNING id`, [ws.id, randomBytes(32)]);
    const { rows: [c] } = await q.query<{ id: string }>(`INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at) VALUES ($1, $2, ${old}, ${old}) RETURNING id`, [ws.id, v!.id]);
    await q.query(`INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $2, 'user', 'old words', ${old})`, [ws.id, c!.id]);
    return { workspaceId: ws.id, conversationId: c!.id };
  });
}

// Two instances need a shared PostgreSQL (PGlite is one process's) and a shared Redis.
if (databaseKinds.includes('postgres')) {
  describe('two instances on one PostgreSQL and one Redis', () => {
    const prefix = `parley-test-${randomBytes(6).toString('hex')}`;
    const outbox = memoryOutbox();
    let fake: FakeMistral;
    let database: TestDatabase;
    let redis: Redis;
    let dbs: Db[] = [];
    let a: RunningServer;
    let b: RunningServer;
    let retentionAfterA: Date;
    let oldChat: { workspaceId: string; conversationId: string };

    before(async () => {
      fake = await startFakeMistral();
      fake.setScript((r) => ({ chunks: [`reply to ${lastUserText(r)}`] }));
      redis = new Redis(REDIS_URL);
      database = await createTestDatabase('postgres');
      // One environment for both, as docs/deployment.md asks: the same keyrings above all.
      const config = { ...loadConfig(testEnv({ MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, LOG_LEVEL: 'silent' })), redisUrl: REDIS_URL, database: database.config };
      // Both start at once: migrations wait for each other under their lock.
      dbs = await Promise.all([openDatabase(config.database), openDatabase(config.database)]);
      const options = { rateLimitPrefix: prefix, adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: outbox } };
      a = await startServer(config, createLogger({ level: 'silent' }), { ...options, db: dbs[0]! });
      // A runs retention at start-up (nothing ran it before); wait for it to finish.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const row = await withoutTenant(dbs[0]!, (q) => readSchedule(q, 'retention'));
        if (row?.lastOutcome === 'succeeded') {
          retentionAfterA = row.lastStartedAt;
          break;
        }
        assert.ok(Date.now() < deadline, 'a retention run on A soon after start-up');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Then something for retention to delete, and the second instance.
      oldChat = await expiredChat(dbs[0]!);
      b = await startServer(config, createLogger({ level: 'silent' }), { ...options, db: dbs[1]! });
    });
    after(async () => {
      await a?.close(1_000);
      await b?.close(1_000);
      for (const db of dbs) await db.close();
      await database?.drop();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await fake?.close();
    });

    test('a chat across both: session on A, conversation on B, reply streamed on A, history read on B; limits shared', async () => {
      const ws = await seedWidgetWorkspace(dbs[0]!);
      const onA = widgetHttp(a.url);
      const onB = widgetHttp(b.url, { ip: onA.ip });
      const session = await onA.post('/api/widget/sessions', { workspace: ws.publicId });
      assert.equal(session.status, 201);
      const { token } = (await session.json()) as { token: string };
      const created = await onB.post('/api/widget/conversations', {}, token);
      assert.equal(created.status, 201, 'B accepts the token A signed');
      const { id } = (await created.json()) as { id: string };
      const events = await allEvents(await onA.post(`/api/widget/conversations/${id}/messages`, { content: 'hello from A' }, token));
      assert.equal(events.at(-1)?.event, 'done');
      assert.equal(deltaText(events), 'reply to hello from A');
      const history = await onB.get(`/api/widget/conversations/${id}/messages`, token);
      assert.equal(history.status, 200);
      const { messages } = (await history.json()) as { messages: { role: string; content: string }[] };
      assert.deepEqual(messages.map((m) => [m.role, m.content]), [['user', 'hello from A'], ['assistant', 'reply to hello from A']]);

      // 19 more, alternating: 20 in the minute, then the 21st is refused on whichever instance.
      for (let i = 2; i <= 20; i++) {
        const res = await (i % 2 === 0 ? onB : onA).post(`/api/widget/conversations/${id}/messages`, { content: `m${i}` }, token);
        assert.equal(res.status, 200, `message ${i}`);
        await res.text();
      }
      for (const http of [onB, onA]) {
        const refused = await http.post(`/api/widget/conversations/${id}/messages`, { content: 'one too many' }, token);
        assert.equal(refused.status, 429);
        assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'rate_limited');
      }
    });

    test("the admin's session works on both instances", async () => {
      const admin = await newAdmin({ url: a.url, outbox });
      const onB = (method: string, path: string, body?: unknown) => adminRequest({ url: b.url }, method, path, { body, token: admin.token, csrf: admin.csrf });
      assert.equal((await onB('GET', '/auth/session')).status, 200);
      const created = await onB('POST', '/workspaces', { name: 'Made on B' });
      assert.equal(created.status, 201, created.text);
      const listed = await admin.call('GET', '/workspaces');
      assert.equal(listed.status, 200);
      assert.ok(JSON.stringify(listed.body).includes('Made on B'));
    });

    test('retention ran once: B, started within the interval, did not run it again', async () => {
      // B's first tick comes right after its start; give it time to have run if it were going to.
      await new Promise((r) => setTimeout(r, 1_000));
      const row = await withoutTenant(dbs[1]!, (q) => readSchedule(q, 'retention'));
      assert.equal(row?.lastStartedAt.getTime(), retentionAfterA.getTime());
      const left = await withTenant(dbs[0]!, oldChat.workspaceId, (q) => q.query('SELECT 1 FROM messages WHERE conversation_id = $1', [oldChat.conversationId]));
      assert.equal(left.rowCount, 1, 'the expired chat waits for the next interval');
    });

    test('two instances with DEMO=on create one demo workspace, whoever comes first', async () => {
      for (let round = 0; round < 5; round++) {
        await withClient(database.ownerUrl!, (c) => c.query('DELETE FROM workspaces WHERE public_id = $1', [DEMO_PUBLIC_ID]));
        const [first, second] = await Promise.all([
          ensureDemoWorkspace(dbs[0]!, ['http://127.0.0.1:3001']),
          ensureDemoWorkspace(dbs[1]!, ['http://127.0.0.1:3003']),
        ]);
        assert.equal(first.id, second.id, `round ${round}`);
        assert.equal([first, second].filter((r) => r.created).length, 1, `round ${round}`);
      }
    });
  });
}
