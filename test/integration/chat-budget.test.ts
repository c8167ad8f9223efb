import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { withTenant, withoutTenant } from '../../server/db/tenant.js';
import { setWorkspaceBudget } from '../../server/usage/usage.service.js';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, deltaText, eventually, newVisitor, seedWidgetWorkspace, sseEvents, storedMessages, type ChatVisitor } from '../support/widget.js';

type ErrorBody = { error: { code: string; message: string } };
const CEILING = 64;
const BUDGET = 200;

// Issue #11, point 5: a reply's length and a workspace's day have a ceiling.
for (const kind of databaseKinds) {
  describe(`reply length and daily token budget on ${kind}`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      server = await startTestServer(kind, {
        MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, MAX_REPLY_TOKENS: String(CEILING), DAILY_TOKEN_BUDGET: String(BUDGET),
      });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });
    // 40 tokens a reply, as the provider reports them.
    beforeEach(() => fake.setScript((r) => ({ chunks: [`ok: ${lastUserText(r)}`], usage: { promptTokens: 30, completionTokens: 10 } })));

    const send = (v: ChatVisitor, content: string) => v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token);
    const setMaxReplyTokens = (workspaceId: string, tokens: number | null) =>
      withTenant(server.db, workspaceId, (q) => q.query('UPDATE widget_settings SET max_reply_tokens = $2 WHERE workspace_id = $1', [workspaceId, tokens]));
    const usageRow = async (workspaceId: string) =>
      (await withTenant(server.db, workspaceId, (q) =>
        q.query<{ prompt: number; completion: number; exhausted: boolean }>(
          'SELECT prompt_tokens::int AS prompt, completion_tokens::int AS completion, exhausted_at IS NOT NULL AS exhausted FROM token_usage',
        ))).rows;
    const exhaustedAudit = async (workspaceId: string) =>
      (await withTenant(server.db, workspaceId, (q) =>
        q.query<{ actor_label: string; target_id: string; after: Record<string, unknown> }>(
          "SELECT actor_label, target_id, after FROM audit_events WHERE action = 'usage.budget_exhausted' ORDER BY id",
        ))).rows;
    const today = () => new Date().toISOString().slice(0, 10);
    const assertBudgetRefusal = async (res: Response) => {
      assert.equal(res.status, 429);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.code, 'budget_exhausted');
      assert.match(body.error.message, /limit for today/);
      const now = new Date();
      const untilMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && Math.abs(retryAfter - untilMidnight) <= 5, `Retry-After ${retryAfter}, ${untilMidnight} s to midnight UTC`);
    };

    test("max_tokens reaches the provider: the server's ceiling, or the workspace's own lower value, never more than the ceiling", async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const maxTokensSent = async (content: string) => {
        await allEvents(await send(v, content));
        return fake.requests.find((r) => lastUserText(r) === content)!.body.max_tokens;
      };
      assert.equal(await maxTokensSent('default'), CEILING);
      await setMaxReplyTokens(ws.id, 5);
      assert.equal(await maxTokensSent('lower'), 5);
      // Stored before the operator lowered MAX_REPLY_TOKENS: the ceiling wins.
      await setMaxReplyTokens(ws.id, 500);
      assert.equal(await maxTokensSent('higher'), CEILING);
    });

    test('a reply cut at max_tokens streams and is stored as it came, incomplete, with the reported usage', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      await setMaxReplyTokens(ws.id, 5);
      fake.setScript(() => ({ chunks: Array.from({ length: 12 }, (_, i) => `w${i} `) }));
      const v = await newVisitor(server.url, ws.publicId);
      const events = await allEvents(await send(v, 'tell me everything'));
      assert.equal(deltaText(events), 'w0 w1 w2 w3 w4 ');
      const reply = (await storedMessages(server.db, ws.id, v.conversationId))[1]!;
      assert.deepEqual(events.at(-1), { event: 'done', data: { id: reply.id, status: 'incomplete', reason: 'length' } });
      assert.deepEqual([reply.content, reply.status, reply.completion_tokens], ['w0 w1 w2 w3 w4 ', 'incomplete', 5]);
    });

    test('a provider that ignores max_tokens is cut at 32 characters a token, and the upstream request is cancelled', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      await setMaxReplyTokens(ws.id, 2);
      fake.setScript(() => ({ chunks: Array.from({ length: 20 }, () => 'x'.repeat(20)), delayMs: 20, ignoreMaxTokens: true }));
      const v = await newVisitor(server.url, ws.publicId);
      const events = await allEvents(await send(v, 'ramble'));
      assert.equal(deltaText(events).length, 64);
      assert.deepEqual((events.at(-1)!.data as { reason: string }).reason, 'length');
      const reply = (await storedMessages(server.db, ws.id, v.conversationId))[1]!;
      assert.deepEqual([reply.content.length, reply.status], [64, 'incomplete']);
      await fake.requests.at(-1)!.closed;
      assert.equal(fake.requests.at(-1)!.aborted, true);
    });

    test('the reply that spends the day\'s budget is audited once; then visitors get budget_exhausted before anything is stored or sent', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      fake.setScript(() => ({ chunks: ['a long answer'], usage: { promptTokens: 150, completionTokens: 60 } }));
      const v = await newVisitor(server.url, ws.publicId);
      assert.equal((await allEvents(await send(v, 'first'))).at(-1)?.event, 'done');
      assert.deepEqual(await usageRow(ws.id), [{ prompt: 150, completion: 60, exhausted: true }]);
      assert.deepEqual(await exhaustedAudit(ws.id), [{ actor_label: 'system', target_id: ws.id, after: { day: today(), budget: BUDGET, used: 210 } }]);

      const requests = fake.requests.length;
      await assertBudgetRefusal(await send(v, 'second'));
      const other = await newVisitor(server.url, ws.publicId);
      await assertBudgetRefusal(await send(other, 'from someone else'));
      assert.equal(fake.requests.length, requests, 'nothing was sent to the provider');
      assert.equal((await storedMessages(server.db, ws.id, v.conversationId)).length, 2, 'the refused message was not stored');
      assert.equal((await storedMessages(server.db, ws.id, other.conversationId)).length, 0);
      assert.equal((await exhaustedAudit(ws.id)).length, 1, 'audited once a day');

      // Another workspace's day is its own.
      const elsewhere = await seedWidgetWorkspace(server.db);
      const visitor = await newVisitor(server.url, elsewhere.publicId);
      assert.equal((await allEvents(await send(visitor, 'hello'))).at(-1)?.event, 'done');
    });

    test("the operator's override raises, lifts or restores a workspace's budget; a lowered budget is audited at its first refusal", async () => {
      const ws = await seedWidgetWorkspace(server.db);
      await withTenant(server.db, ws.id, (q) =>
        q.query('INSERT INTO token_usage (workspace_id, day, prompt_tokens, completion_tokens) VALUES ($1, $2::date, 400, 100)', [ws.id, today()]),
      );
      const v = await newVisitor(server.url, ws.publicId);
      await assertBudgetRefusal(await send(v, 'over the default'));
      assert.equal((await exhaustedAudit(ws.id)).length, 1);

      assert.deepEqual(await setWorkspaceBudget(server.db, ws.id, 1000), { previous: null });
      assert.equal((await allEvents(await send(v, 'raised'))).at(-1)?.event, 'done');
      assert.deepEqual(await usageRow(ws.id), [{ prompt: 430, completion: 110, exhausted: true }]);
      assert.deepEqual(await setWorkspaceBudget(server.db, ws.id, 0), { previous: 1000 });
      assert.equal((await allEvents(await send(v, 'no limit'))).at(-1)?.event, 'done');
      assert.deepEqual(await setWorkspaceBudget(server.db, ws.id, null), { previous: 0 });
      await assertBudgetRefusal(await send(v, 'back to the default'));
      assert.equal((await exhaustedAudit(ws.id)).length, 1);

      const workspaceAudit = (await withTenant(server.db, ws.id, (q) =>
        q.query<{ actor_label: string; before: unknown; after: unknown }>("SELECT actor_label, before, after FROM audit_events WHERE action = 'usage.budget_set' ORDER BY id"),
      )).rows;
      assert.deepEqual(workspaceAudit.map((r) => [r.actor_label, r.before, r.after]), [
        ['operator', { dailyTokenBudget: null }, { dailyTokenBudget: 1000 }],
        ['operator', { dailyTokenBudget: 1000 }, { dailyTokenBudget: 0 }],
        ['operator', { dailyTokenBudget: 0 }, { dailyTokenBudget: null }],
      ]);
      const platform = (await withoutTenant(server.db, (q) =>
        q.query<{ actor: string; details: unknown }>("SELECT actor, details FROM platform_audit_events WHERE action = 'workspace.token_budget_set' AND target = $1 ORDER BY id", [`workspace:${ws.id}`]),
      )).rows;
      assert.deepEqual(platform, [
        { actor: 'operator', details: { before: null, after: 1000 } },
        { actor: 'operator', details: { before: 1000, after: 0 } },
        { actor: 'operator', details: { before: 0, after: null } },
      ]);
    });

    test('a visitor who leaves mid-reply still spends tokens: estimated at four characters each when the provider sends no count', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      fake.setScript(() => ({ chunks: ['x'.repeat(40), 'y'.repeat(40)], delayMs: 0, end: 'hang' }));
      const v = await newVisitor(server.url, ws.publicId);
      const controller = new AbortController();
      const res = await v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content: 'leave early' }, v.token, controller.signal);
      let deltas = 0;
      try {
        for await (const event of sseEvents(res)) {
          if (event.event === 'delta' && ++deltas === 2) controller.abort();
        }
      } catch {
        // The abort ends the body.
      }
      const rows = await eventually(() => usageRow(ws.id), (r) => r.length > 0);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.completion, 20);
      assert.ok(rows[0]!.prompt > 0, `prompt tokens ${rows[0]!.prompt}`);
    });
  });
}
