// Issue #13, points 6 to 8: a workspace with a help centre answers from it with citations
// (in `done` and in the history), rewrites follow-up questions before searching, says its
// unknown-answer sentence without asking the model when nothing matches, and answers with
// the passages themselves when the model cannot (provider down, no key, budget spent). A
// workspace without knowledge chats exactly as before.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeMistral, type FakeMistral, type FakeReply, type FakeRequest } from '../../scripts/fake-mistral.js';
import { withTenant } from '../../server/db/tenant.js';
import { updateKnowledgeSettings } from '../../server/knowledge/knowledge-settings.repo.js';
import { setWorkspaceBudget } from '../../server/usage/usage.service.js';
import { widgetSettingsCache } from '../../server/widget-session/widget-settings-cache.js';
import { ADMIN_TEST_OPTIONS, memoryMailer, newAdmin, newWorkspace } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { HELP, helpCentre, passageNumber, systemOf } from '../support/knowledge-chat.js';
import { ARTICLES } from '../support/knowledge-help-centre.js';
import { waitFor } from '../support/knowledge-ingest.js';
import { apiCall, newApiKey } from '../support/knowledge-routes.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, deltaText, newVisitor, seedWidgetWorkspace, SITE, type ChatVisitor, type SseEvent } from '../support/widget.js';

const REFUNDS_URL = `${HELP}#0`;
const UNKNOWN = 'We could not find that in our help pages.';
type Source = { id: string; title: string; url: string | null };
type Sent = { events: SseEvent[]; done: Record<string, unknown> | undefined };

const streamed = (fake: FakeMistral, from: number) => fake.requests.slice(from).filter((r) => r.body.stream === true);
const rewrites = (fake: FakeMistral, from: number) => fake.requests.slice(from).filter((r) => r.body.stream !== true);

/** A model that answers from the passage holding `cite` and cites it, and rewrites follow-ups into a fixed query. */
function helpfulModel(cite = ARTICLES[0]!.content, rewriteTo = 'Where can I download an old invoice?'): (r: FakeRequest) => FakeReply {
  return (r) => {
    if (r.body.stream !== true) return { chunks: [rewriteTo], usage: { promptTokens: 40, completionTokens: 8 } };
    const n = passageNumber(systemOf(r), cite);
    return { chunks: ['From our help pages: ', n ? `see [${n}].` : 'no idea.'], usage: { promptTokens: 100, completionTokens: 10 } };
  };
}

for (const kind of databaseKinds) {
  describe(`grounded replies on ${kind}`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      // No operator key: a workspace has a model only with its own key, so "no key" can be tested too.
      server = await startTestServer(kind, { MISTRAL_SERVER_URL: fake.url }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: memoryMailer() } });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });
    beforeEach(() => fake.setScript(helpfulModel()));

    const keyed = () => seedWidgetWorkspace(server.db, { byok: { keyring: server.config.masterKeys, key: 'workspace-key' }, systemPrompt: 'You are Acme support.' });
    const send = async (v: ChatVisitor, content: string): Promise<Sent> => {
      const res = await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token);
      assert.equal(res.status, 200, await res.clone().text());
      const events = await allEvents(res);
      return { events, done: events.find((e) => e.event === 'done')?.data };
    };
    const history = async (v: ChatVisitor) => {
      const res = await v.http.get(`/api/widget/conversations/${v.conversationId}/messages`, v.token);
      return ((await res.json()) as { messages: { role: string; content: string; sources: Source[] }[] }).messages;
    };
    const stored = async (workspaceId: string, conversationId: string) =>
      (await withTenant(server.db, workspaceId, (q) =>
        q.query<{ role: string; content: string; status: string; model: string | null; sources: Source[] | null }>(
          'SELECT role, content, status, model, sources FROM messages WHERE conversation_id = $1 ORDER BY created_at, id',
          [conversationId],
        ))).rows;
    const usage = async (workspaceId: string) =>
      (await withTenant(server.db, workspaceId, (q) => q.query<{ prompt: number; completion: number }>('SELECT prompt_tokens::int AS prompt, completion_tokens::int AS completion FROM token_usage'))).rows[0];
    const chunkId = async (workspaceId: string, url: string) =>
      (await withTenant(server.db, workspaceId, (q) => q.query<{ id: string }>('SELECT id FROM knowledge_chunks WHERE url = $1', [url]))).rows[0]!.id;

    test('a question is answered from the right passage, cited in done and in the history; the embedding and reply are counted', async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      const v = await newVisitor(server.url, ws.publicId);
      const from = fake.requests.length;
      const embedsFrom = fake.embeddings.requests.length;
      const question = 'How long until refunds are paid?';
      const { events, done } = await send(v, question);

      assert.equal(rewrites(fake, from).length, 0, 'a first message is not rewritten');
      const [asked] = streamed(fake, from);
      const system = systemOf(asked!);
      assert.ok(system.startsWith('You are Acme support.\n\n'), 'the workspace prompt comes first');
      const n = passageNumber(system, ARTICLES[0]!.content);
      assert.equal(n, 1, 'the refunds passage is the best match');
      assert.ok(system.includes(`[1]\nTitle: Billing\nSection: Refunds\nURL: ${REFUNDS_URL}\n${ARTICLES[0]!.content}`), system);
      assert.equal(asked!.body.messages!.at(-1)!.content, question);
      assert.deepEqual(fake.embeddings.requests.slice(embedsFrom).map((r) => r.inputs), [[question]]);

      const refunds: Source = { id: await chunkId(ws.id, REFUNDS_URL), title: 'Billing', url: REFUNDS_URL };
      assert.equal(deltaText(events), 'From our help pages: see [1].');
      assert.deepEqual(done, { id: done!.id, status: 'complete', sources: [refunds] });
      const messages = await history(v);
      assert.deepEqual(messages.map((m) => [m.role, m.sources]), [['user', []], ['assistant', [refunds]]]);
      assert.deepEqual((await stored(ws.id, v.conversationId))[1]!.sources, [refunds]);
      // The reply's 100 + 10 tokens, and the question's embedding at the fake's four characters a token.
      assert.deepEqual(await usage(ws.id), { prompt: 100 + Math.ceil(question.length / 4), completion: 10 });
    });

    test('a follow-up question is rewritten from the conversation before searching, and the rewrite is counted', async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      const v = await newVisitor(server.url, ws.publicId);
      await send(v, 'How long until refunds are paid?');
      const before = await usage(ws.id);
      const from = fake.requests.length;
      const embedsFrom = fake.embeddings.requests.length;
      fake.setScript(helpfulModel(ARTICLES[1]!.content));
      const { done } = await send(v, 'And the old ones from last year?');

      const [rewrite] = rewrites(fake, from);
      assert.ok(rewrite, 'the fake saw the rewrite request');
      assert.equal(rewrite.body.max_tokens, 64);
      const prompt = String(rewrite.body.messages!.at(-1)!.content);
      assert.ok(prompt.includes('Visitor: How long until refunds are paid?\nAssistant: From our help pages: see [1].'), prompt);
      assert.ok(prompt.includes('Last message: And the old ones from last year?'), prompt);
      assert.deepEqual(fake.embeddings.requests.slice(embedsFrom).map((r) => r.inputs), [['Where can I download an old invoice?']]);
      const [asked] = streamed(fake, from);
      assert.equal(passageNumber(systemOf(asked!), ARTICLES[1]!.content), 1, 'the invoices passage, found by the rewritten query, comes first');
      assert.deepEqual((done!.sources as Source[]).map((s) => s.url), [`${HELP}#1`]);
      const after = await usage(ws.id);
      assert.deepEqual({ prompt: after!.prompt - before!.prompt, completion: after!.completion - before!.completion }, {
        prompt: 40 + 100 + Math.ceil('Where can I download an old invoice?'.length / 4), completion: 8 + 10,
      });
    });

    test('a rewrite that fails searches with the last two questions instead', async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      const v = await newVisitor(server.url, ws.publicId);
      await send(v, 'How long until refunds are paid?');
      const model = helpfulModel();
      fake.setScript((r) => (r.body.stream !== true ? { status: 500 } : model(r)));
      const embedsFrom = fake.embeddings.requests.length;
      const { done } = await send(v, 'And for cards?');
      assert.deepEqual(fake.embeddings.requests.slice(embedsFrom).map((r) => r.inputs), [['How long until refunds are paid?\nAnd for cards?']]);
      assert.equal(done!.status, 'complete');
    });

    test('sources_only with nothing above the floor says the unknown-answer sentence without calling the model', async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      await updateKnowledgeSettings(server.db, ws.id, { strictness: 'sources_only', unknownAnswer: UNKNOWN });
      const v = await newVisitor(server.url, ws.publicId);
      const from = fake.requests.length;
      const { events, done } = await send(v, 'xyzzy plugh frobnicate');
      assert.equal(fake.requests.length, from, 'the model was not asked');
      assert.equal(deltaText(events), UNKNOWN);
      assert.deepEqual(done, { id: done!.id, status: 'complete', sources: [] });
      assert.deepEqual((await stored(ws.id, v.conversationId)).map((m) => [m.role, m.content, m.status, m.model, m.sources]), [
        ['user', 'xyzzy plugh frobnicate', 'complete', null, null],
        ['assistant', UNKNOWN, 'complete', null, []],
      ]);

      // With a match, sources_only sends the exact sentence to use when the passages do not answer.
      await send(v, 'How long until refunds are paid?');
      assert.ok(systemOf(streamed(fake, from)[0]!).includes(`reply with exactly this sentence and nothing else: "${UNKNOWN}"`));
    });

    test('with the provider down, the visitor gets the best passages with their links, stored as the reply', async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      fake.setScript(() => ({ status: 503 }));
      const v = await newVisitor(server.url, ws.publicId);
      const { events, done } = await send(v, 'How long until refunds are paid?');
      const text = deltaText(events);
      assert.match(text, /^The assistant is unavailable right now\. /);
      assert.ok(text.includes(`**[Billing › Refunds](<${REFUNDS_URL}>)**\n\n> ${ARTICLES[0]!.content}`), text);
      assert.equal(done!.status, 'complete');
      const sources = done!.sources as Source[];
      assert.equal(sources[0]!.url, REFUNDS_URL);
      const [, reply] = await stored(ws.id, v.conversationId);
      assert.deepEqual([reply!.content, reply!.status, reply!.model, reply!.sources], [text, 'complete', 'fallback', sources]);
      assert.deepEqual((await history(v))[1]!.sources, sources);
    });

    test('without a key, a workspace with knowledge is available and answers with its passages, asking the provider nothing', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      await helpCentre(server.db, fake.url, ws.id);
      const v = await newVisitor(server.url, ws.publicId);
      const config = await v.http.get(`/api/widget/config?workspace=${ws.publicId}`);
      assert.equal(((await config.json()) as { available: boolean }).available, true);
      const from = fake.requests.length;
      const embedsFrom = fake.embeddings.requests.length;
      const { events, done } = await send(v, 'Which cards do you accept for payment?');
      assert.equal(fake.requests.length, from);
      assert.equal(fake.embeddings.requests.length, embedsFrom, 'full text only: no embedding');
      assert.match(deltaText(events), /^The assistant is unavailable right now\. [^]*Visa, Mastercard/);
      assert.equal((done!.sources as Source[])[0]!.url, `${HELP}#2`);
      assert.equal((await stored(ws.id, v.conversationId))[1]!.model, 'fallback');

      // Without knowledge nothing changed: no model, no chat.
      const bare = await seedWidgetWorkspace(server.db);
      const visitor = await newVisitor(server.url, bare.publicId);
      const bareConfig = await visitor.http.get(`/api/widget/config?workspace=${bare.publicId}`);
      assert.equal(((await bareConfig.json()) as { available: boolean }).available, false);
      const refused = await visitor.http.post(`/api/widget/conversations/${visitor.conversationId}/messages`, { content: 'hello' }, visitor.token);
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'model_not_configured');
    });

    test("with the day's budget spent, a workspace with knowledge answers with its passages; one without is refused as before", async () => {
      const ws = await keyed();
      await helpCentre(server.db, fake.url, ws.id);
      const bare = await keyed();
      for (const id of [ws.id, bare.id]) {
        await setWorkspaceBudget(server.db, id, 50);
        await withTenant(server.db, id, (q) => q.query('INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens) VALUES ($1, current_date, 60, 0)', [id]));
      }
      const v = await newVisitor(server.url, ws.publicId);
      const from = fake.requests.length;
      const embedsFrom = fake.embeddings.requests.length;
      const { events, done } = await send(v, 'How do I reset my password?');
      assert.equal(fake.requests.length, from);
      assert.equal(fake.embeddings.requests.length, embedsFrom);
      assert.match(deltaText(events), /^The assistant is unavailable right now: it has reached its limit for today\. [^]*reset link/);
      assert.equal((done!.sources as Source[])[0]!.url, `${HELP}#8`);
      assert.deepEqual(await usage(ws.id), { prompt: 60, completion: 0 }, 'a fallback costs no tokens');

      const other = await newVisitor(server.url, bare.publicId);
      const refused = await other.http.post(`/api/widget/conversations/${other.conversationId}/messages`, { content: 'hello' }, other.token);
      assert.equal(refused.status, 429);
    });

    test('a workspace without knowledge chats as before: no retrieval, no rewrite, no sources in done', async () => {
      const ws = await keyed();
      fake.setScript(() => ({ chunks: ['plain answer'] }));
      const v = await newVisitor(server.url, ws.publicId);
      const from = fake.requests.length;
      const embedsFrom = fake.embeddings.requests.length;
      await send(v, 'first');
      const { done } = await send(v, 'second');
      assert.deepEqual(done, { id: done!.id, status: 'complete' });
      assert.equal(fake.embeddings.requests.length, embedsFrom);
      assert.equal(rewrites(fake, from).length, 0);
      assert.deepEqual(streamed(fake, from)[1]!.body.messages!.map(({ role, content }) => ({ role, content })), [
        { role: 'system', content: 'You are Acme support.' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'plain answer' },
        { role: 'user', content: 'second' },
      ]);
    });

    test('knowledge added to a workspace whose settings are cached is used from the next message', async () => {
      const ws = await keyed();
      const v = await newVisitor(server.url, ws.publicId);
      fake.setScript(() => ({ chunks: ['plain'] }));
      assert.equal((await send(v, 'hello')).done!.sources, undefined);
      const cache = widgetSettingsCache(server.db);
      assert.ok(cache.peek(ws.id), 'the settings are cached');
      await helpCentre(server.db, fake.url, ws.id);
      // The source's first chunks notify every instance: the cached entry goes.
      await waitFor('the cached settings dropped', () => cache.peek(ws.id) === undefined, 10_000);
      fake.setScript(helpfulModel(ARTICLES[0]!.content, 'How long until refunds are paid?'));
      assert.equal(((await send(v, 'And refunds?')).done!.sources as Source[])[0]!.url, REFUNDS_URL);
    });

    test('the admin conversation view, the JSON export and /api/v1 show the sources', async () => {
      const admin = await newAdmin(server);
      const workspace = await newWorkspace(admin);
      await withTenant(server.db, workspace.id, (q) =>
        q.query('INSERT INTO widget_settings (workspace_id, allowed_origins) VALUES ($1, $2) ON CONFLICT (workspace_id) DO UPDATE SET allowed_origins = EXCLUDED.allowed_origins', [workspace.id, [SITE]]),
      );
      await helpCentre(server.db, fake.url, workspace.id);
      fake.setScript(() => ({ status: 503 }));
      const v = await newVisitor(server.url, workspace.publicId);
      const sources = (await send(v, 'How long until refunds are paid?')).done!.sources as Source[];
      assert.ok(sources.length > 0);
      const view = await admin.call('GET', `/workspaces/${workspace.id}/conversations/${v.conversationId}`);
      assert.deepEqual((view.body!.messages as { sources: Source[] }[]).map((m) => m.sources), [[], sources]);
      const exported = await admin.call('GET', `/workspaces/${workspace.id}/conversations/export?format=json`);
      assert.ok(exported.text.includes(JSON.stringify(sources)), exported.text.slice(0, 300));
      const key = await newApiKey(admin, workspace.id, 'read');
      const api = await apiCall(server, key, 'GET', `/conversations/${v.conversationId}`);
      assert.deepEqual((api.body!.messages as { sources: Source[] }[]).map((m) => m.sources), [[], sources]);
    });
  });
}
