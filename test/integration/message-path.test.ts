// Issue #12, point 1: one short transaction per message before the provider is called,
// one after the reply; counted here so the path cannot grow back unnoticed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { withoutTenant, withTenant } from '../../server/db/tenant.js';
import { readSchedule } from '../../server/jobs/schedule.repo.js';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { widgetSettingsCache } from '../../server/widget-session/widget-settings-cache.js';
import { countingDb, tally, type CountingDb, type Trip } from '../support/counting-db.js';
import { settingsNotified } from '../support/settings-notified.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';
import { allEvents, eventually, newVisitor, seedWidgetWorkspace, type ChatVisitor } from '../support/widget.js';

for (const kind of databaseKinds) {
  describe(`the database work of one message on ${kind}`, () => {
    let fake: FakeMistral;
    let database: TestDatabase;
    let db: CountingDb;
    let server: RunningServer;
    before(async () => {
      fake = await startFakeMistral();
      database = await createTestDatabase(kind, { migrated: true });
      const config = { ...loadConfig(testEnv({ MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, DAILY_TOKEN_BUDGET: '100000' })), database: database.config };
      db = countingDb(await openDatabase(database.config));
      server = await startServer(config, createLogger({ level: 'silent' }), { db });
      // Retention runs once at start-up, a transaction per workspace: let it end before counting.
      await eventually(() => withoutTenant(db, (q) => readSchedule(q, 'retention')), (row) => row?.lastOutcome === 'succeeded', 20_000);
    });
    after(async () => {
      await server?.close(1_000);
      await db?.close();
      await database?.drop();
      await fake?.close();
    });

    /**
     * Sends a message and returns the round trips of this workspace's transactions made
     * before the provider was asked, and after it (background jobs of other workspaces left out).
     */
    async function trace(v: ChatVisitor, workspaceId: string, content: string): Promise<{ before: Trip[]; after: Trip[]; system: string }> {
      let before: Trip[] | undefined;
      let system = '';
      fake.setScript((r) => {
        if (lastUserText(r) === content) {
          before = db.trips.filter((t) => t.tenant === workspaceId);
          system = String(r.body.messages?.find((m) => m.role === 'system')?.content ?? '');
        }
        return { chunks: ['a ', 'reply'], usage: { promptTokens: 10, completionTokens: 2 } };
      });
      db.reset();
      const events = await allEvents(await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token));
      assert.equal(events.at(-1)?.event, 'done', JSON.stringify(events));
      assert.ok(before, 'the provider was asked');
      return { before, after: db.trips.filter((t) => t.tenant === workspaceId).slice(before.length), system };
    }

    test('with the widget settings cached: one transaction of one statement before the provider, one after', async () => {
      const seeded = settingsNotified(db);
      const ws = await seedWidgetWorkspace(db);
      await seeded;
      const v = await newVisitor(server.url, ws.publicId);
      assert.ok(widgetSettingsCache(db).peek(ws.id), 'starting the session cached the settings');
      const { before, after } = await trace(v, ws.id, 'first question');
      assert.deepEqual(tally(before), { transactions: 1, statements: 1, roundTrips: 3, names: ['chat_accept_message'] });
      assert.deepEqual(tally(after), { transactions: 1, statements: 1, roundTrips: 3, names: ['chat_store_reply'] });
    });

    test('a settings change is seen by the next message at once, still in one transaction, which reads the settings itself', async () => {
      const seeded = settingsNotified(db);
      const ws = await seedWidgetWorkspace(db, { systemPrompt: 'Be brief.' });
      await seeded;
      const v = await newVisitor(server.url, ws.publicId);
      assert.equal((await trace(v, ws.id, 'before the change')).system, 'Be brief.');
      const changed = settingsNotified(db, ws.id);
      await withTenant(db, ws.id, (q) => q.query("UPDATE widget_settings SET system_prompt = 'Be thorough.' WHERE workspace_id = $1", [ws.id]));
      assert.equal(widgetSettingsCache(db).peek(ws.id), undefined, 'this instance dropped its entry on commit');
      // The database's own notification too, which would drop what the next message caches.
      await changed;
      const { before, system } = await trace(v, ws.id, 'after the change');
      assert.equal(system, 'Be thorough.');
      assert.deepEqual(tally(before), { transactions: 1, statements: 1, roundTrips: 3, names: ['chat_accept_message_settings'] });
      assert.ok(widgetSettingsCache(db).peek(ws.id), 'what the message read is cached for the next one');
      assert.deepEqual(tally((await trace(v, ws.id, 'and again')).before).names, ['chat_accept_message']);
    });
  });
}
