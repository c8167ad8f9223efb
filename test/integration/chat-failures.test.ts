import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/server.js';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, deltaText, eventually, newVisitor, seedWidgetWorkspace, sseEvents, storedMessages, type ChatVisitor, type SseEvent } from '../support/widget.js';

const OPERATOR_KEY = `operator-${randomBytes(8).toString('hex')}`;
const STACK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/;

for (const kind of databaseKinds) {
  describe(`interrupted and failed replies on ${kind}`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      server = await startTestServer(kind, { MISTRAL_API_KEY: OPERATOR_KEY, MISTRAL_SERVER_URL: fake.url });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });
    beforeEach(() => fake.setScript());

    const send = (v: ChatVisitor, content: string, signal?: AbortSignal) =>
      v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token, signal);
    const requestFor = (content: string) => fake.requests.find((r) => lastUserText(r) === content)!;
    const unique = (label: string) => `${label} ${randomBytes(6).toString('hex')}`;

    /** Reads deltas until `text` has arrived, then hangs up as a closed tab would. */
    async function readUntilThenLeave(res: Response, text: string, controller: AbortController): Promise<SseEvent[]> {
      const events: SseEvent[] = [];
      for await (const event of sseEvents(res)) {
        events.push(event);
        if (deltaText(events) === text) break;
      }
      controller.abort();
      return events;
    }

    test('the visitor leaving mid-reply cancels the upstream request and stores the text so far as incomplete', async () => {
      fake.setScript(() => ({ chunks: ['Hello ', 'partial ', 'reply', { text: ' that never comes', delayMs: 30_000 }] }));
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const question = unique('tell me everything');
      const controller = new AbortController();
      const events = await readUntilThenLeave(await send(v, question, controller.signal), 'Hello partial reply', controller);
      assert.equal(events[0]!.event, 'accepted');

      const upstream = requestFor(question);
      await upstream.closed;
      assert.equal(upstream.aborted, true, 'the request to Mistral was cancelled');
      const stored = await eventually(() => storedMessages(server.db, ws.id, v.conversationId), (m) => m.length === 2);
      assert.deepEqual(stored.map((m) => [m.role, m.status, m.content]), [['user', 'complete', question], ['assistant', 'incomplete', 'Hello partial reply']]);
      assert.equal(stored[1]!.completion_tokens, null);
    });

    test('a provider failing mid-reply ends the stream with an error event; the text so far is stored as incomplete', async () => {
      fake.setScript(() => ({ chunks: ['The answer ', 'is'], end: 'abrupt' }));
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const events = await allEvents(await send(v, unique('question')));
      assert.deepEqual(events.map((e) => e.event), ['accepted', 'delta', 'delta', 'error']);
      const stored = await storedMessages(server.db, ws.id, v.conversationId);
      assert.deepEqual(stored.map((m) => [m.role, m.status, m.content]).slice(1), [['assistant', 'incomplete', 'The answer is']]);
      assert.deepEqual(events.at(-1)!.data, {
        id: stored[1]!.id,
        code: 'provider_error',
        message: 'The assistant is unavailable right now. Please try again in a moment.',
      });
    });

    for (const status of [401, 500]) {
      test(`Mistral answering HTTP ${status} before any text: an error event, no reply stored, no key in the answer or the logs`, async () => {
        const byok = `byok-${randomBytes(16).toString('hex')}`;
        // A provider that echoes the key back is the worst case for leaking it.
        fake.setScript((r) => ({ status, body: { message: `refused ${r.authorization}`, key: r.authorization?.slice(7) } }));
        const own = await seedWidgetWorkspace(server.db, { byok: { keyring: server.config.masterKeys, key: byok } });
        const plain = await seedWidgetWorkspace(server.db);
        for (const [ws, key] of [[own, byok], [plain, OPERATOR_KEY]] as const) {
          const logsBefore = server.logs.length;
          const v = await newVisitor(server.url, ws.publicId);
          const res = await send(v, unique('hello?'));
          const raw = await res.text();
          assert.equal(res.status, 200);
          assert.ok(!raw.includes(key) && !STACK.test(raw), raw);
          const events = [...raw.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map(([, event, data]) => ({ event, data: JSON.parse(data!) as unknown }));
          assert.deepEqual(events.map((e) => e.event), ['accepted', 'error']);
          const expected = status === 401 ? 'The assistant is not available right now. Please try again later.' : 'The assistant is unavailable right now. Please try again in a moment.';
          assert.deepEqual(events[1]!.data, { id: null, code: 'provider_error', message: expected });
          assert.deepEqual((await storedMessages(server.db, ws.id, v.conversationId)).map((m) => m.role), ['user']);

          const logs = server.logs.slice(logsBefore).join('');
          assert.ok(!logs.includes(key), `the ${key === byok ? 'workspace' : 'operator'} key is not logged`);
          const warning = server.logs.slice(logsBefore).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'provider request failed');
          assert.equal(warning?.level, 'warn');
          assert.equal(warning?.status, status);
          assert.equal(warning?.keySource, key === byok ? 'workspace' : 'operator');
        }
      });
    }

    test('a server stopping mid-reply stores the text so far before it closes the database', async () => {
      fake.setScript(() => ({ chunks: ['Shutting ', 'down', { text: ' later', delayMs: 30_000 }] }));
      const second = await startServer(server.config, createLogger({ level: 'silent' }), { db: server.db });
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(second.url, ws.publicId);
      const controller = new AbortController();
      const res = await send(v, unique('stop'), controller.signal);
      const events: SseEvent[] = [];
      for await (const event of sseEvents(res)) {
        events.push(event);
        if (deltaText(events) === 'Shutting down') break;
      }
      await second.close(100);
      const stored = await storedMessages(server.db, ws.id, v.conversationId);
      assert.deepEqual(stored.map((m) => [m.role, m.status, m.content]).slice(1), [['assistant', 'incomplete', 'Shutting down']]);
      controller.abort();
    });
  });
}
