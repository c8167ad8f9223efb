// Issue #12, point 1: widget settings are cached per instance and dropped on every change,
// whoever makes it: this instance (at once), another instance, a command-line tool, the
// database owner. A lost LISTEN connection empties the cache until it listens again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig } from '../../server/config.js';
import type { Db } from '../../server/db/db.js';
import { openDatabase } from '../../server/db/open.js';
import { createLogger } from '../../server/logging.js';
import { memoryOutbox } from '../../server/mail/memory-outbox.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { widgetSettingsCache } from '../../server/widget-session/widget-settings-cache.js';
import { ADMIN_TEST_OPTIONS, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { runToExit } from '../support/child-server.js';
import { settingsNotified } from '../support/settings-notified.js';
import { createTestDatabase, databaseKinds, withClient, type TestDatabase } from '../support/databases.js';
import { startTestServer, testEnv, type TestServer } from '../support/test-server.js';
import { allEvents, eventually, newVisitor, seedWidgetWorkspace, SITE, widgetHttp } from '../support/widget.js';

const OTHER = 'https://other.example';
const configStatus = async (url: string, publicId: string, origin: string) => (await widgetHttp(url, { origin }).get(`/api/widget/config?workspace=${publicId}`)).status;

for (const kind of databaseKinds) {
  describe(`widget settings cache on one instance, ${kind}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: ADMIN_TEST_OPTIONS });
    });
    after(async () => {
      await server?.stop();
    });

    test("an admin's change applies to this instance's very next widget request", async () => {
      const owner = await newAdmin(server);
      const ws = await newWorkspace(owner, 'Cached');
      assert.equal((await owner.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [SITE] })).status, 200);
      assert.equal(await configStatus(server.url, ws.publicId, SITE), 200);
      assert.ok(widgetSettingsCache(server.db).peek(ws.id), 'held after the first request');
      assert.equal((await owner.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [OTHER] })).status, 200);
      // No waiting: the instance that committed the change knows it at once.
      assert.equal(await configStatus(server.url, ws.publicId, OTHER), 200);
      assert.equal(await configStatus(server.url, ws.publicId, SITE), 403);
    });

    test("a change written by the database's owner, outside the application, reaches the cache by the database's notification", async () => {
      const seeded = settingsNotified(server.db);
      const ws = await seedWidgetWorkspace(server.db);
      await seeded;
      assert.equal(await configStatus(server.url, ws.publicId, SITE), 200);
      assert.ok(widgetSettingsCache(server.db).peek(ws.id));
      const change = 'UPDATE widget_settings SET allowed_origins = ARRAY[$2] WHERE workspace_id = $1';
      if (server.database.ownerUrl) await withClient(server.database.ownerUrl, (c) => c.query(change, [ws.id, OTHER]));
      // PGlite's one session is the owner's: a plain transaction, not a tenant one, so only the trigger tells.
      else await server.db.transaction((tx) => tx.query(change, [ws.id, OTHER]));
      const status = await eventually(() => configStatus(server.url, ws.publicId, OTHER), (s) => s === 200, 10_000);
      assert.equal(status, 200, 'the new origin is allowed well before the cache entry would expire');
      assert.equal(await configStatus(server.url, ws.publicId, SITE), 403);
    });
  });
}

// Instances and command-line tools beside a running server need a shared PostgreSQL.
if (databaseKinds.includes('postgres')) {
  describe('widget settings cache across instances on one PostgreSQL', () => {
    const outbox = memoryOutbox();
    let fake: FakeMistral;
    let database: TestDatabase;
    let env: NodeJS.ProcessEnv;
    let dbs: Db[] = [];
    let a: RunningServer;
    let b: RunningServer;
    let owner: AdminClient;
    before(async () => {
      fake = await startFakeMistral();
      fake.setScript((r) => ({ chunks: [`system: ${String(r.body.messages?.find((m) => m.role === 'system')?.content ?? '')}; ${lastUserText(r)}`] }));
      database = await createTestDatabase('postgres');
      env = testEnv({ MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, OPERATOR_KEY_WORKSPACES: 'granted', LOG_LEVEL: 'silent', DATABASE_URL: database.ownerUrl! });
      const config = { ...loadConfig(env), database: database.config };
      dbs = await Promise.all([openDatabase(config.database), openDatabase(config.database)]);
      const options = { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: outbox } };
      a = await startServer(config, createLogger({ level: 'silent' }), { ...options, db: dbs[0]! });
      b = await startServer(config, createLogger({ level: 'silent' }), { ...options, db: dbs[1]! });
      owner = await newAdmin({ url: a.url, outbox });
    });
    after(async () => {
      await a?.close(1_000);
      await b?.close(1_000);
      for (const db of dbs) await db.close();
      await database?.drop();
      await fake?.close();
    });

    test('allowed origins and the system prompt changed on A are obeyed on B', async () => {
      const ws = await newWorkspace(owner, 'Two instances');
      assert.equal((await owner.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [SITE], systemPrompt: 'Be brief.' })).status, 200);
      const granted = await runToExit(['--import', 'tsx', 'scripts/operator-key.ts', 'grant', ws.publicId], env);
      assert.equal(granted.code, 0, granted.output);
      const v = await newVisitor(b.url, ws.publicId);
      const ask = async (content: string) =>
        (await allEvents(await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token))).at(-1)?.event === 'done'
          ? String(fake.requests.find((r) => lastUserText(r) === content)?.body.messages?.[0]?.content)
          : 'failed';
      assert.equal(await ask('one'), 'Be brief.');
      assert.ok(widgetSettingsCache(dbs[1]!).peek(ws.id), 'B holds the settings');

      assert.equal((await owner.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [OTHER], systemPrompt: 'Answer in French.' })).status, 200);
      assert.equal(await eventually(() => configStatus(b.url, ws.publicId, OTHER), (s) => s === 200, 10_000), 200);
      assert.equal(await configStatus(b.url, ws.publicId, SITE), 403);
      const moved = await newVisitor(b.url, ws.publicId, { origin: OTHER });
      const events = await allEvents(await moved.http.post(`/api/widget/conversations/${moved.conversationId}/messages`, { content: 'two' }, moved.token));
      assert.equal(events.at(-1)?.event, 'done');
      assert.equal(fake.requests.find((r) => lastUserText(r) === 'two')?.body.messages?.[0]?.content, 'Answer in French.');
    });

    test('`npm run operator-key -- revoke` beside the running instances: both stop offering the operator key', async () => {
      const ws = await newWorkspace(owner, 'Revoked');
      assert.equal((await owner.call('PATCH', `/workspaces/${ws.id}/settings`, { allowedOrigins: [SITE] })).status, 200);
      const available = async (url: string) => ((await (await widgetHttp(url).get(`/api/widget/config?workspace=${ws.publicId}`)).json()) as { available: boolean }).available;
      assert.deepEqual([await available(a.url), await available(b.url)], [false, false]);
      const granted = await runToExit(['--import', 'tsx', 'scripts/operator-key.ts', 'grant', ws.publicId], env);
      assert.equal(granted.code, 0, granted.output);
      for (const url of [a.url, b.url]) assert.equal(await eventually(() => available(url), (x) => x, 10_000), true);
      const revoked = await runToExit(['--import', 'tsx', 'scripts/operator-key.ts', 'revoke', ws.publicId], env);
      assert.equal(revoked.code, 0, revoked.output);
      for (const url of [a.url, b.url]) assert.equal(await eventually(() => available(url), (x) => !x, 10_000), false);
    });

    test('a lost LISTEN connection empties the cache, which reads every time until it listens again', async () => {
      // Any workspace: its id is not known before seeding.
      const seeded = settingsNotified(dbs[1]!);
      const ws = await seedWidgetWorkspace(dbs[1]!, { systemPrompt: 'before' });
      await seeded;
      const cache = widgetSettingsCache(dbs[1]!);
      assert.equal((await cache.get(ws.id)).systemPrompt, 'before');
      // As if its notification had been missed: in replica mode triggers do not fire.
      await withClient(database.ownerUrl!, async (c) => {
        await c.query('SET session_replication_role = replica');
        await c.query("UPDATE widget_settings SET system_prompt = 'after' WHERE workspace_id = $1", [ws.id]);
      });
      assert.equal(cache.peek(ws.id)?.systemPrompt, 'before', 'nothing told the cache');
      const name = new URL(database.ownerUrl!).pathname.slice(1);
      // Kept from listening again for a while: no new connection to this database.
      const admin = (sql: string) => withClient(process.env.TEST_DATABASE_URL!, (c) => c.query(sql));
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      try {
        const { rows } = await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND application_name = 'parley-listen'`);
        assert.equal(rows.length, 2, "each instance's LISTEN connection");
        assert.equal(await eventually(async () => cache.peek(ws.id), (held) => held === undefined, 10_000), undefined, 'emptied');
        // Read through the pool's open connections, and not kept.
        assert.equal((await cache.get(ws.id)).systemPrompt, 'after');
        assert.equal(cache.peek(ws.id), undefined);
      } finally {
        await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      }
      // Listening again (it retries with back-off up to 5 s), the cache holds entries again.
      assert.ok(await eventually(async () => (await cache.get(ws.id), cache.peek(ws.id)), (held) => held !== undefined, 15_000));
    });
  });
}
