import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MAX_EMPTY_CONVERSATIONS } from '../../server/chat/chat.service.js';
import { withTenant } from '../../server/db/tenant.js';
import { RATE_LIMITS } from '../../server/http/rate-limit.js';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, newVisitor, seedWidgetWorkspace, type ChatVisitor } from '../support/widget.js';

type ErrorBody = { error: { code: string; message: string } };

// Issue #11, point 4: creating and deleting conversations cannot be used to flood the database or the audit log.
for (const kind of databaseKinds) {
  describe(`conversation floods on ${kind}`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      fake.setScript((r) => ({ chunks: [`ok: ${lastUserText(r)}`] }));
      server = await startTestServer(kind, { MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });

    const create = (v: ChatVisitor) => v.http.post('/api/widget/conversations', {}, v.token);
    const remove = (v: ChatVisitor, id: string) => v.http.delete(`/api/widget/conversations/${id}`, v.token);
    const conversationsOf = async (workspaceId: string, visitorId: string) =>
      (await withTenant(server.db, workspaceId, (q) =>
        q.query<{ id: string; messages: number }>(
          `SELECT c.id, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id) AS messages
             FROM conversations c WHERE c.visitor_id = $1 ORDER BY c.created_at, c.id`,
          [visitorId],
        ))).rows;
    const auditCount = async (workspaceId: string) =>
      (await withTenant(server.db, workspaceId, (q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events'))).rows[0]!.n;
    const assertLimited = async (res: Response) => {
      assert.equal(res.status, 429);
      assert.deepEqual(Object.keys(((await res.json()) as ErrorBody).error).sort(), ['code', 'message']);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    };

    test(`a visitor holds at most ${MAX_EMPTY_CONVERSATIONS} empty conversations; asking for more returns the newest empty one (200)`, async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const ids = [v.conversationId];
      for (let i = 1; i < MAX_EMPTY_CONVERSATIONS; i++) {
        const res = await create(v);
        assert.equal(res.status, 201);
        ids.push(((await res.json()) as { id: string }).id);
      }
      const again = await create(v);
      assert.equal(again.status, 200);
      const body = (await again.json()) as { id: string; createdAt: string };
      assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'id']);
      assert.equal(body.id, ids.at(-1), 'the newest empty one');
      assert.equal((await conversationsOf(ws.id, v.visitorId)).length, MAX_EMPTY_CONVERSATIONS);

      // One with a message is not empty: the next request opens a new one.
      assert.equal((await allEvents(await v.http.post(`/api/widget/conversations/${ids[0]}/messages`, { content: 'hello' }, v.token))).at(-1)?.event, 'done');
      const fresh = await create(v);
      assert.equal(fresh.status, 201);
      assert.ok(!ids.includes(((await fresh.json()) as { id: string }).id));
      assert.equal((await conversationsOf(ws.id, v.visitorId)).length, MAX_EMPTY_CONVERSATIONS + 1);
    });

    test('a flood of creations with one token: 10 a minute get through, the rest 429; no more rows; the workspace stays open', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const statuses: number[] = [];
      // More than the workspace's own limit, so charging it for refused requests would close it.
      for (let sent = 0; sent < RATE_LIMITS.conversationPerWorkspace + 50; sent += 50) {
        statuses.push(...(await Promise.all(Array.from({ length: 50 }, async () => {
          const res = await create(v);
          if (res.status === 429) await assertLimited(res);
          else await res.text();
          return res.status;
        }))));
      }
      // newVisitor's own creation was the first of the visitor's 10.
      assert.equal(statuses.filter((s) => s === 201 || s === 200).length, RATE_LIMITS.conversationPerVisitor - 1);
      assert.equal(statuses.filter((s) => s === 429).length, statuses.length - (RATE_LIMITS.conversationPerVisitor - 1));
      assert.equal((await conversationsOf(ws.id, v.visitorId)).length, MAX_EMPTY_CONVERSATIONS);

      const neighbour = await newVisitor(server.url, ws.publicId, { ip: v.http.ip });
      assert.equal((await create(neighbour)).status, 201, "the address's points were not spent by the refused requests");
      const elsewhere = await newVisitor(server.url, ws.publicId);
      assert.equal((await create(elsewhere)).status, 201, "the workspace's points were not spent by the refused requests");
    });

    test('deletes are limited too (10 a minute per visitor, with creations), 429 with Retry-After', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      for (let i = 1; i < RATE_LIMITS.conversationPerVisitor; i++) assert.equal((await remove(v, randomUUID())).status, 404, `delete ${i}`);
      await assertLimited(await remove(v, v.conversationId));
      assert.equal((await conversationsOf(ws.id, v.visitorId)).length, 1, 'the refused delete deleted nothing');
    });

    test('deleting an empty conversation writes no audit event; deleting one with messages writes one', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(server.url, ws.publicId);
      const before = await auditCount(ws.id);
      assert.equal((await remove(v, v.conversationId)).status, 204);
      assert.deepEqual(await conversationsOf(ws.id, v.visitorId), []);
      assert.equal(await auditCount(ws.id), before);

      const res = await create(v);
      const { id } = (await res.json()) as { id: string };
      assert.equal((await allEvents(await v.http.post(`/api/widget/conversations/${id}/messages`, { content: 'keep me' }, v.token))).at(-1)?.event, 'done');
      assert.equal((await remove(v, id)).status, 204);
      assert.equal(await auditCount(ws.id), before + 1);
    });
  });
}
