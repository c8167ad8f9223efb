import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { HISTORY_CHAR_BUDGET } from '../../server/chat/history.js';
import { withTenant } from '../../server/db/tenant.js';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { defaultReplyText, lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, deltaText, eventually, newVisitor, seedWidgetWorkspace, SITE, sseEvents, storedMessages, widgetHttp, type ChatVisitor, type SseEvent } from '../support/widget.js';

const OPERATOR_KEY = `operator-${randomBytes(8).toString('hex')}`;
type ErrorBody = { error: { code: string; message: string } };

for (const kind of databaseKinds) {
  describe(`chat on ${kind}`, () => {
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
    beforeEach(() => fake.setScript((r) => ({ chunks: [`echo: ${lastUserText(r)}`] })));

    const send = (v: ChatVisitor, content: string, conversationId = v.conversationId) =>
      v.http.post(`/api/widget/conversations/${conversationId}/messages`, { content }, v.token);
    const requestFor = (content: string) => fake.requests.find((r) => lastUserText(r) === content);
    const unique = (label: string) => `${label} ${randomBytes(6).toString('hex')}`;

    test('conversations: created empty, listed newest first (at most 20), each with its messages', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const empty = await v.http.get(`/api/widget/conversations/${v.conversationId}/messages`, v.token);
      assert.deepEqual(await empty.json(), { messages: [] });
      const ids = [v.conversationId];
      // Written directly, each with a message: the API opens at most 10 a minute and reuses a visitor's empty ones.
      for (let i = 0; i < 21; i++) {
        ids.push(await withTenant(server.db, ws.id, async (q) => {
          const { rows: [c] } = await q.query<{ id: string }>(
            'INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at) VALUES ($1, $2, clock_timestamp(), clock_timestamp()) RETURNING id',
            [ws.id, v.visitorId],
          );
          await q.query("INSERT INTO messages (workspace_id, conversation_id, role, content) VALUES ($1, $2, 'user', 'hi')", [ws.id, c!.id]);
          return c!.id;
        }));
      }
      assert.equal((await allEvents(await send(v, 'bump the first'))).at(-1)?.event, 'done');
      const res = await v.http.get('/api/widget/conversations', v.token);
      const { conversations } = (await res.json()) as { conversations: { id: string; createdAt: string; updatedAt: string }[] };
      assert.equal(conversations.length, 20);
      assert.equal(conversations[0]!.id, v.conversationId, 'the one just written to comes first');
      assert.deepEqual(conversations.slice(1).map((c) => c.id), ids.slice(3).reverse());
      assert.deepEqual(Object.keys(conversations[0]!).sort(), ['createdAt', 'id', 'updatedAt']);
    });

    test('a full reply streams accepted, deltas and done; user and complete reply are stored with token counts', async () => {
      fake.setScript();
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const question = unique('What is Parley?');
      const res = await send(v, `  ${question}\n`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(res.headers.get('x-accel-buffering'), 'no');
      assert.equal(res.headers.get('access-control-allow-origin'), SITE);
      const events = await allEvents(res);
      assert.equal(events[0]!.event, 'accepted');
      assert.equal(events.at(-1)!.event, 'done');
      assert.ok(events.filter((e) => e.event === 'delta').length > 10);
      assert.equal(deltaText(events), defaultReplyText(question));

      const stored = await storedMessages(server.db, ws.id, v.conversationId);
      assert.equal(stored.length, 2);
      assert.deepEqual({ ...stored[0], model: undefined, prompt_tokens: undefined, completion_tokens: undefined }, {
        id: events[0]!.data.id, role: 'user', content: question, status: 'complete', model: undefined, prompt_tokens: undefined, completion_tokens: undefined,
      });
      const reply = stored[1]!;
      assert.deepEqual([reply.id, reply.role, reply.status, reply.content, reply.model], [events.at(-1)!.data.id, 'assistant', 'complete', defaultReplyText(question), 'mistral-small-latest']);
      const request = requestFor(question)!;
      const promptChars = (request.body.messages ?? []).reduce((n, m) => n + String(m.content).length, 0);
      assert.equal(reply.prompt_tokens, Math.ceil(promptChars / 4));
      assert.equal(reply.completion_tokens, events.filter((e) => e.event === 'delta').length);
      assert.deepEqual(events.at(-1)!.data, { id: reply.id, status: 'complete' });

      const listed = (await (await v.http.get(`/api/widget/conversations/${v.conversationId}/messages`, v.token)).json()) as { messages: Record<string, unknown>[] };
      assert.deepEqual(listed.messages.map((m) => [m.role, m.status, m.content]), [['user', 'complete', question], ['assistant', 'complete', defaultReplyText(question)]]);
      assert.deepEqual(Object.keys(listed.messages[0]!).sort(), ['content', 'createdAt', 'id', 'role', 'sources', 'status']);
      // A workspace without knowledge: no reply cites anything.
      assert.deepEqual(listed.messages.map((m) => m.sources), [[], []]);
      assert.ok(!server.logs.join('').includes(question), "the visitor's words are not logged");
    });

    test("the workspace's own key (BYOK) is what Mistral receives; without one, the operator's", async () => {
      const byokKey = `byok-${randomBytes(12).toString('hex')}`;
      const own = await seedWidgetWorkspace(server.db, { byok: { keyring: server.config.masterKeys, key: byokKey } });
      const plain = await seedWidgetWorkspace(server.db);
      for (const [ws, key] of [[own, byokKey], [plain, OPERATOR_KEY]] as const) {
        const v = await newVisitor(server.url, ws.publicId);
        const question = unique('whose key?');
        assert.equal((await allEvents(await send(v, question))).at(-1)?.event, 'done');
        assert.equal(requestFor(question)?.authorization, `Bearer ${key}`);
      }
    });

    test("the workspace's system prompt and model reach Mistral, followed by the conversation", async () => {
      const ws = await seedWidgetWorkspace(server.db, { systemPrompt: 'You are the help desk of Example Shop.', model: 'open-mistral-nemo' });
      const v = await newVisitor(server.url, ws.publicId);
      const first = unique('first');
      const second = unique('second');
      await allEvents(await send(v, first));
      await allEvents(await send(v, second));
      const request = requestFor(second)!;
      assert.equal(request.body.model, 'open-mistral-nemo');
      // The SDK adds defaults of its own (an assistant message's `prefix: false`): compare role and content.
      assert.deepEqual(request.body.messages?.map(({ role, content }) => ({ role, content })), [
        { role: 'system', content: 'You are the help desk of Example Shop.' },
        { role: 'user', content: first },
        { role: 'assistant', content: `echo: ${first}` },
        { role: 'user', content: second },
      ]);
      assert.equal((await storedMessages(server.db, ws.id, v.conversationId))[1]!.model, 'open-mistral-nemo');
    });

    test('a long history is trimmed to the character budget, newest kept', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const old = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `${i}:${'x'.repeat(2_996)}` }));
      await withTenant(server.db, ws.id, async (q) => {
        for (const [i, m] of old.entries()) {
          await q.query(
            "INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $2, $3, $4, now() - make_interval(mins => $5))",
            [ws.id, v.conversationId, m.role, m.content, 100 - i],
          );
        }
      });
      const question = unique('and now?');
      await allEvents(await send(v, question));
      const sent = requestFor(question)!.body.messages!;
      const total = sent.reduce((n, m) => n + String(m.content).length, 0);
      assert.ok(total <= HISTORY_CHAR_BUDGET, `${total} characters sent`);
      assert.ok(total > HISTORY_CHAR_BUDGET - 6_000, 'the budget is used, not wasted');
      assert.deepEqual(sent.at(-1), { role: 'user', content: question });
      assert.equal(sent[0]!.role, 'user');
      const kept = sent.slice(0, -1).map((m) => String(m.content));
      assert.deepEqual(kept, old.slice(old.length - kept.length).map((m) => m.content), 'a contiguous run of the newest messages');
      assert.ok(kept.length < old.length);
    });

    test("another visitor's conversation is 404 on GET and POST, and nothing is stored", async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const alice = await newVisitor(server.url, ws.publicId);
      const bob = await newVisitor(server.url, ws.publicId);
      const get = await bob.http.get(`/api/widget/conversations/${alice.conversationId}/messages`, bob.token);
      assert.equal(get.status, 404);
      assert.equal(((await get.json()) as ErrorBody).error.code, 'conversation_not_found');
      const before = fake.requests.length;
      const post = await send(bob, 'let me in', alice.conversationId);
      assert.equal(post.status, 404);
      assert.equal(((await post.json()) as ErrorBody).error.code, 'conversation_not_found');
      assert.equal((await send(bob, 'x', 'not-a-uuid')).status, 404);
      assert.deepEqual(await storedMessages(server.db, ws.id, alice.conversationId), []);
      assert.equal(fake.requests.length, before);
    });

    describe('a visitor deleting its own conversation', () => {
      const remove = (v: ChatVisitor, conversationId = v.conversationId) => v.http.delete(`/api/widget/conversations/${conversationId}`, v.token);
      const rowsOf = (workspaceId: string, conversationId: string) =>
        withTenant(server.db, workspaceId, async (q) => {
          const conversations = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM conversations WHERE workspace_id = $1 AND id = $2', [workspaceId, conversationId]);
          const messages = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE workspace_id = $1 AND conversation_id = $2', [workspaceId, conversationId]);
          return { conversations: conversations.rows[0]!.n, messages: messages.rows[0]!.n };
        });
      const auditOf = (workspaceId: string) =>
        withTenant(server.db, workspaceId, async (q) =>
          (await q.query<Record<string, unknown>>(
            'SELECT actor_account_id, actor_label, action, target_type, target_id, ip, before, after FROM audit_events WHERE workspace_id = $1 ORDER BY id',
            [workspaceId],
          )).rows);

      test('204; its messages and the conversation are gone (rows, not flags) and one audit event holds counts only', async () => {
        const ws = await seedWidgetWorkspace(server.db);
        const v = await newVisitor(server.url, ws.publicId);
        const question = unique('forget me');
        assert.equal((await allEvents(await send(v, question))).at(-1)?.event, 'done');
        assert.deepEqual(await rowsOf(ws.id, v.conversationId), { conversations: 1, messages: 2 });

        const res = await remove(v);
        assert.equal(res.status, 204);
        assert.equal(await res.text(), '');
        assert.equal(res.headers.get('access-control-allow-origin'), SITE);
        assert.deepEqual(await rowsOf(ws.id, v.conversationId), { conversations: 0, messages: 0 });
        const get = await v.http.get(`/api/widget/conversations/${v.conversationId}/messages`, v.token);
        assert.equal(get.status, 404);
        assert.equal(((await get.json()) as ErrorBody).error.code, 'conversation_not_found');
        const listed = (await (await v.http.get('/api/widget/conversations', v.token)).json()) as { conversations: unknown[] };
        assert.deepEqual(listed.conversations, []);

        assert.deepEqual(await auditOf(ws.id), [{
          actor_account_id: null, actor_label: 'visitor', action: 'conversation.deleted_by_visitor', target_type: 'conversation',
          target_id: v.conversationId, ip: null, before: null, after: { messages: 2 },
        }]);
        assert.ok(!JSON.stringify(await auditOf(ws.id)).includes(question), 'no content in the audit log');

        const again = await remove(v);
        assert.equal(again.status, 404, 'a second delete finds nothing');
        assert.equal((await auditOf(ws.id)).length, 1);
        // The next message opens a new conversation, as the widget does.
        const fresh = ((await (await v.http.post('/api/widget/conversations', {}, v.token)).json()) as { id: string }).id;
        assert.equal((await allEvents(await send(v, 'hello again', fresh))).at(-1)?.event, 'done');
      });

      test("another visitor's conversation: 404 conversation_not_found, and it stays with its messages", async () => {
        const ws = await seedWidgetWorkspace(server.db);
        const alice = await newVisitor(server.url, ws.publicId);
        const bob = await newVisitor(server.url, ws.publicId);
        await allEvents(await send(alice, unique('mine')));
        const res = await remove(bob, alice.conversationId);
        assert.equal(res.status, 404);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'conversation_not_found');
        assert.equal((await remove(bob, 'not-a-uuid')).status, 404);
        assert.deepEqual(await rowsOf(ws.id, alice.conversationId), { conversations: 1, messages: 2 });
        assert.deepEqual(await auditOf(ws.id), []);
      });

      test("another workspace's token: 404, nothing deleted; no token: 401", async () => {
        const ws = await seedWidgetWorkspace(server.db);
        const other = await seedWidgetWorkspace(server.db);
        const alice = await newVisitor(server.url, ws.publicId);
        const mallory = await newVisitor(server.url, other.publicId);
        await allEvents(await send(alice, unique('mine')));
        const res = await remove(mallory, alice.conversationId);
        assert.equal(res.status, 404);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'conversation_not_found');
        assert.equal((await alice.http.delete(`/api/widget/conversations/${alice.conversationId}`)).status, 401);
        assert.deepEqual(await rowsOf(ws.id, alice.conversationId), { conversations: 1, messages: 2 });
        assert.deepEqual(await auditOf(ws.id), []);
        assert.deepEqual(await auditOf(other.id), []);
      });

      test('the preflight allows DELETE from any origin', async () => {
        const res = await fetch(`${server.url}/api/widget/conversations/${randomBytes(4).toString('hex')}`, {
          method: 'OPTIONS',
          headers: { origin: SITE, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
        });
        assert.equal(res.status, 204);
        assert.match(res.headers.get('access-control-allow-methods') ?? '', /\bDELETE\b/);
      });

      test('deleted while a reply streams: the reply ends, is not stored, and does not bring the conversation back', async () => {
        fake.setScript(() => ({ chunks: ['Hello ', { text: 'and the rest', delayMs: 400 }] }));
        const ws = await seedWidgetWorkspace(server.db);
        const v = await newVisitor(server.url, ws.publicId);
        const events: SseEvent[] = [];
        let deleted: number | undefined;
        for await (const event of sseEvents(await send(v, unique('delete me mid-reply')))) {
          events.push(event);
          if (deltaText(events) === 'Hello ' && deleted === undefined) deleted = (await remove(v)).status;
        }
        assert.equal(deleted, 204);
        assert.equal(deltaText(events), 'Hello and the rest');
        assert.deepEqual(events.at(-1), { event: 'done', data: { id: null, status: 'complete' } });
        const rows = await eventually(() => rowsOf(ws.id, v.conversationId), (r) => r.messages > 0, 300);
        assert.deepEqual(rows, { conversations: 0, messages: 0 });
        assert.equal((await v.http.get(`/api/widget/conversations/${v.conversationId}/messages`, v.token)).status, 404);
        assert.deepEqual((await auditOf(ws.id)).map((e) => e.after), [{ messages: 1 }], 'the user message, counted when deleted');
      });
    });

    test('content must be 1 to 4000 characters after trimming: 400 invalid_body otherwise', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      for (const body of [{ content: '' }, { content: ' \n\t ' }, { content: 'x'.repeat(4001) }, { content: 42 }, {}]) {
        const res = await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, body, v.token);
        assert.equal(res.status, 400, JSON.stringify(body).slice(0, 40));
        assert.equal(((await res.json()) as ErrorBody).error.code, 'invalid_body');
      }
      assert.deepEqual(await storedMessages(server.db, ws.id, v.conversationId), []);
      // 4000 characters, counted as characters (code points), not UTF-16 units.
      const longest = `  ${'é😀'.repeat(2_000)}  `;
      assert.equal((await allEvents(await send(v, longest))).at(-1)?.event, 'done');
      assert.equal((await storedMessages(server.db, ws.id, v.conversationId))[0]!.content, longest.trim());
    });

    test('a conversation of 200 messages takes no more: 409 conversation_full, nothing stored', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      await withTenant(server.db, ws.id, (q) =>
        q.query("INSERT INTO messages (workspace_id, conversation_id, role, content) SELECT $1, $2, 'user', 'm' || g FROM generate_series(1, 199) g", [ws.id, v.conversationId]),
      );
      assert.equal((await allEvents(await send(v, 'the 200th'))).at(-1)?.event, 'done');
      const res = await send(v, 'one too many');
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as ErrorBody).error.code, 'conversation_full');
      assert.equal((await storedMessages(server.db, ws.id, v.conversationId)).length, 201);
    });

    describe('with no model key at all', () => {
      let keyless: RunningServer;
      before(async () => {
        keyless = await startServer({ ...server.config, mistral: { ...server.config.mistral, apiKey: undefined } }, createLogger({ level: 'silent' }), { db: server.db });
      });
      after(() => keyless?.close(1_000));

      test('config says unavailable, and a message gets 503 model_not_configured with nothing stored', async () => {
        const ws = await seedWidgetWorkspace(server.db);
        const config = (await (await widgetHttp(keyless.url).get(`/api/widget/config?workspace=${ws.publicId}`)).json()) as { available: boolean };
        assert.equal(config.available, false);
        const v = await newVisitor(keyless.url, ws.publicId);
        const before = fake.requests.length;
        const res = await send(v, 'anyone there?');
        assert.equal(res.status, 503);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'model_not_configured');
        assert.deepEqual(await storedMessages(server.db, ws.id, v.conversationId), []);
        assert.equal(fake.requests.length, before);
      });

      test("a workspace's own key still works there; one that no longer unseals counts as no key", async () => {
        const own = await seedWidgetWorkspace(server.db, { byok: { keyring: server.config.masterKeys, key: 'byok-works-here' } });
        const config = (await (await widgetHttp(keyless.url).get(`/api/widget/config?workspace=${own.publicId}`)).json()) as { available: boolean };
        assert.equal(config.available, true);
        const v = await newVisitor(keyless.url, own.publicId);
        assert.equal((await allEvents(await send(v, 'own key'))).at(-1)?.event, 'done');

        const broken = await seedWidgetWorkspace(server.db, { byok: { keyring: server.config.masterKeys, key: 'byok-broken' } });
        await withTenant(server.db, broken.id, (q) => q.query("UPDATE provider_keys SET key_id = 'gone' WHERE workspace_id = $1", [broken.id]));
        const brokenConfig = (await (await widgetHttp(keyless.url).get(`/api/widget/config?workspace=${broken.publicId}`)).json()) as { available: boolean };
        assert.equal(brokenConfig.available, false);
        const w = await newVisitor(keyless.url, broken.publicId);
        assert.equal((await send(w, 'broken key')).status, 503);
      });
    });
  });
}
