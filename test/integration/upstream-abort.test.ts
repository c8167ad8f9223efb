import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { slowScript, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { newVisitor, seedWidgetWorkspace, SITE, storedMessages, type ChatVisitor } from '../support/widget.js';

// A garbage collection before the visitors leave: on Node 20 it once cut the link between the
// SDK's request signal and fetch's own, so aborts stopped reaching the provider (bench/open-streams).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const VISITORS = 50;
const MESSAGES_EACH = 6;

/** One message's request on a socket of its own, and what its visitor saw of the answer. */
interface Sent {
  req: ClientRequest;
  status?: number;
  accepted: boolean;
  deltas: number;
}

function sendRaw(baseUrl: string, v: ChatVisitor, content: string): Sent {
  const sent: Sent = { req: undefined as unknown as ClientRequest, accepted: false, deltas: 0 };
  const body = JSON.stringify({ content });
  // agent: false, so destroying the request closes its own TCP connection, as a closed tab does.
  sent.req = request(`${baseUrl}/api/widget/conversations/${v.conversationId}/messages`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'x-forwarded-for': v.http.ip, origin: SITE, authorization: `Bearer ${v.token}` },
  });
  sent.req.on('error', () => undefined);
  sent.req.on('response', (res) => {
    sent.status = res.statusCode;
    res.on('error', () => undefined);
    res.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes('event: accepted')) sent.accepted = true;
      sent.deltas += text.split('event: delta').length - 1;
    });
  });
  sent.req.end(body);
  return sent;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

// Issue #12, point 3: a visitor who leaves stops the provider's request, however many leave at once and
// wherever their message was (queued for the database, being stored, or streaming).
for (const kind of databaseKinds) {
  describe(`upstream streams stop when visitors go (on ${kind})`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      server = await startTestServer(kind, { MISTRAL_API_KEY: 'operator-key', MISTRAL_SERVER_URL: fake.url, LOG_LEVEL: 'warn' });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });

    test(`${VISITORS * MESSAGES_EACH} streams against a slow provider: dropping every client closes every upstream request`, async (t) => {
      const ws = await seedWidgetWorkspace(server.db);
      const visitors = await Promise.all(Array.from({ length: VISITORS }, () => newVisitor(server.url, ws.publicId)));
      fake.setScript(slowScript({ intervalMs: 50, durationMs: 60_000 }));
      const sent = visitors.flatMap((v) => Array.from({ length: MESSAGES_EACH }, (_, i) => sendRaw(server.url, v, `question ${i}`)));
      // A third leave at once, while their messages wait for the database.
      await new Promise((r) => setTimeout(r, 100));
      for (const s of sent.filter((_, i) => i % 3 === 0)) s.req.destroy();

      // The rest leave while some replies stream and other messages are still on their way to the provider.
      const streaming = await until(() => sent.filter((s) => s.deltas > 0).length >= 10, 30_000);
      const waiting = sent.filter((s) => s.status === undefined).length;
      const accepted = sent.filter((s) => s.accepted).length;
      const withText = sent.filter((s) => s.deltas > 0).length;
      assert.ok(streaming, `replies streaming before the drop: ${withText}`);
      collectGarbage();
      for (const s of sent) s.req.destroy();
      const droppedAt = Date.now();

      const drained = await until(() => fake.openRequests() === 0, 5_000);
      const drainMs = Date.now() - droppedAt;
      const label = `accepted ${accepted}, with text ${withText}, without an answer yet ${waiting}; upstream still open ${fake.openRequests()} after ${drainMs} ms`;
      assert.ok(waiting > 0, `some messages were still queued at the drop: ${label}`);
      assert.ok(drained, label);
      // Messages still on their way when their visitor left must not reach the provider afterwards.
      const upstreamCalls = fake.requests.length;
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(fake.openRequests(), 0, `upstream requests opened after the drop: ${label}`);
      assert.equal(fake.requests.length, upstreamCalls, 'no provider request starts after every visitor has gone');
      t.diagnostic(label);

      // Nothing is lost: every reply that had begun is stored, marked incomplete.
      const replies = async () => (await Promise.all(visitors.map((v) => storedMessages(server.db, ws.id, v.conversationId)))).flat().filter((m) => m.role === 'assistant');
      const deadline = Date.now() + 10_000;
      let stored = await replies();
      while (stored.length < withText && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        stored = await replies();
      }
      assert.ok(stored.length >= withText, `replies stored: ${stored.length}, replies the visitors saw begin: ${withText}`);
      assert.deepEqual([...new Set(stored.map((m) => m.status))], ['incomplete']);
      assert.ok(stored.every((m) => m.content.startsWith('t0 ')), 'each stored reply holds the text that came');
    });
  });
}
