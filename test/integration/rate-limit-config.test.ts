import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { openDatabase } from '../../server/db/open.js';
import { createTestDatabase, databaseKinds, withClient } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, newVisitor, randomIp, seedWidgetWorkspace, storedMessages, widgetHttp } from '../support/widget.js';

// The limits do not depend on the database: one kind is enough, the faster one when there are two.
const kind = databaseKinds.at(-1)!;

describe(`operators' rate limits (RATE_LIMIT_*, on ${kind})`, () => {
  let fake: FakeMistral;
  let server: TestServer;
  before(async () => {
    fake = await startFakeMistral();
    fake.setScript((r) => ({ chunks: [`ok: ${lastUserText(r)}`] }));
    server = await startTestServer(kind, {
      MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url,
      RATE_LIMIT_MESSAGES_PER_VISITOR: '3', RATE_LIMIT_SESSIONS_PER_IP: '2',
    });
  });
  after(async () => {
    await server?.stop();
    await fake?.close();
  });

  test('a lowered message limit is the one enforced: the 4th message in the minute gets 429 and is not stored', async () => {
    const ws = await seedWidgetWorkspace(server.db);
    const v = await newVisitor(server.url, ws.publicId);
    const send = (content: string) => v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token);
    for (let i = 1; i <= 3; i++) assert.equal((await allEvents(await send(`m${i}`))).at(-1)?.event, 'done', `message ${i}`);
    const refused = await send('m4');
    assert.equal(refused.status, 429);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'rate_limited');
    assert.equal((await storedMessages(server.db, ws.id, v.conversationId)).length, 6);
  });

  test('a lowered session limit is the one enforced: the 3rd session from one address gets 429', async () => {
    const ws = await seedWidgetWorkspace(server.db);
    const http = widgetHttp(server.url, { ip: randomIp() });
    for (let i = 1; i <= 2; i++) assert.equal((await http.post('/api/widget/sessions', { workspace: ws.publicId })).status, 201, `session ${i}`);
    assert.equal((await http.post('/api/widget/sessions', { workspace: ws.publicId })).status, 429);
  });
});

if (databaseKinds.includes('postgres')) {
  test('DATABASE_POOL_SIZE bounds the runtime connections one instance opens', async () => {
    const database = await createTestDatabase('postgres');
    try {
      assert.ok(database.config.kind === 'postgres');
      const db = await openDatabase({ ...database.config, poolSize: 2 });
      try {
        const busy = Promise.all(Array.from({ length: 6 }, () => db.query('SELECT pg_sleep(0.3)')));
        await new Promise((r) => setTimeout(r, 150));
        const name = new URL(database.ownerUrl!).pathname.slice(1);
        const { rows } = await withClient(database.ownerUrl!, (c) =>
          c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'parley_app'", [name]));
        await busy;
        assert.equal(rows[0]!.n, 2);
      } finally {
        await db.close();
      }
    } finally {
      await database.drop();
    }
  });
}
