import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Config } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { lastUserText, startFakeMistral } from '../../scripts/fake-mistral.js';
import { spawnServer } from '../support/child-server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { testEnv } from '../support/test-server.js';
import { deltaText, newVisitor, seedWidgetWorkspace, sseEvents, storedMessages, type SseEvent } from '../support/widget.js';

// Production runs on PostgreSQL when there is one; the embedded database otherwise.
const kind = databaseKinds.includes('postgres') ? 'postgres' : 'pglite';

test(`a server killed (SIGKILL) mid-reply keeps the visitor's message; the reply is absent or incomplete (${kind})`, async () => {
  const fake = await startFakeMistral();
  fake.setScript(() => ({ chunks: ['Half ', 'a ', 'reply', { text: ' and the rest', delayMs: 60_000 }] }));
  const database = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const env = testEnv({ MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, ...(database && { DATABASE_URL: database.ownerUrl! }) });
  const dbConfig: Config['database'] = database?.config ?? { kind: 'pglite', dir: join(env.DATA_DIR!, 'pglite') };
  try {
    const setup = await openDatabase(dbConfig);
    const ws = await seedWidgetWorkspace(setup).finally(() => setup.close());

    const server = await spawnServer(['--import', 'tsx', 'server/main.ts'], env);
    const controller = new AbortController();
    let conversationId: string;
    try {
      const v = await newVisitor(server.url, ws.publicId);
      conversationId = v.conversationId;
      const res = await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content: 'are you there?' }, v.token, controller.signal);
      const events: SseEvent[] = [];
      for await (const event of sseEvents(res)) {
        events.push(event);
        if (deltaText(events) === 'Half a reply') break;
      }
      assert.equal(lastUserText(fake.requests.at(-1)!), 'are you there?');
      server.child.kill('SIGKILL');
      await once(server.child, 'exit');
    } finally {
      controller.abort();
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    }

    const db = await openDatabase(dbConfig);
    try {
      const stored = await storedMessages(db, ws.id, conversationId);
      assert.deepEqual(stored[0] && [stored[0].role, stored[0].status, stored[0].content], ['user', 'complete', 'are you there?']);
      assert.ok(stored.length <= 2);
      if (stored[1]) {
        assert.equal(stored[1].status, 'incomplete');
        assert.ok('Half a reply'.startsWith(stored[1].content));
      }
    } finally {
      await db.close();
    }
  } finally {
    await database?.drop();
    await fake.close();
  }
});
