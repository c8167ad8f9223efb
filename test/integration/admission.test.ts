import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { newVisitor, seedWidgetWorkspace, SITE, storedMessages, type ChatVisitor } from '../support/widget.js';

const WORKSPACES = 4;
const VISITORS_EACH = 25;
// 20 a visitor on its own address, 500 a workspace: every limit holds, so rate limits refuse none of them.
const MESSAGES_EACH = 20;
const MAX_WAIT_MS = 1_000;

interface Outcome {
  status: number;
  /** From sending to the answer's headers. */
  ms: number;
  code?: string;
  retryAfter?: number;
  last?: string;
}

/**
 * A POST on a connection of its own, as 2,000 browsers would open, through node:http: unlike fetch it
 * sets no connect timeout of its own, so a connection the kernel's accept queue delays still arrives.
 */
function post(url: string, v: ChatVisitor, body: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': v.http.ip, origin: SITE, authorization: `Bearer ${v.token}` },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

// Issue #12, point 2: a burst is answered with 200 or a quick 503 busy (Retry-After), never a 500 and
// never a wait for the pool's connect timeout.
for (const kind of databaseKinds) {
  describe(`a burst of messages (on ${kind})`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    before(async () => {
      fake = await startFakeMistral();
      fake.setScript((r) => ({ chunks: [`ok: ${lastUserText(r)}`] }));
      server = await startTestServer(kind, {
        MISTRAL_API_KEY: 'operator-key',
        MISTRAL_SERVER_URL: fake.url,
        ADMISSION_MAX_WAIT_MS: String(MAX_WAIT_MS),
        LOG_LEVEL: 'error',
      });
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });

    async function send(v: ChatVisitor, content: string): Promise<Outcome> {
      const started = Date.now();
      const { status, headers, body } = await post(`${server.url}/api/widget/conversations/${v.conversationId}/messages`, v, JSON.stringify({ content }));
      const ms = Date.now() - started;
      if (status === 200) return { status, ms, last: [...body.matchAll(/^event: (\w+)$/gm)].at(-1)?.[1] };
      return { status, ms, code: (JSON.parse(body) as { error: { code: string } }).error.code, retryAfter: Number(headers['retry-after']) };
    }

    test(`${WORKSPACES * VISITORS_EACH * MESSAGES_EACH} messages at once: 200 or 503 busy with Retry-After, never a 500`, async (t) => {
      const workspaces = await Promise.all(Array.from({ length: WORKSPACES }, () => seedWidgetWorkspace(server.db)));
      const visitors: { ws: string; v: ChatVisitor }[] = [];
      for (const ws of workspaces) {
        for (let i = 0; i < VISITORS_EACH; i++) visitors.push({ ws: ws.id, v: await newVisitor(server.url, ws.publicId) });
      }

      const started = Date.now();
      const outcomes = await Promise.all(visitors.flatMap(({ v }) => Array.from({ length: MESSAGES_EACH }, (_, i) => send(v, `burst ${i}`))));
      const drainMs = Date.now() - started;

      const count = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
      const ok = count((o) => o.status === 200);
      const busy = count((o) => o.status === 503 && o.code === 'busy');
      const limited = count((o) => o.status === 429);
      const slowest = Math.max(...outcomes.map((o) => o.ms));
      const summary = `200: ${ok}, 503 busy: ${busy}, 429: ${limited}, other: ${outcomes.length - ok - busy - limited}; all answered in ${drainMs} ms, slowest answer began after ${slowest} ms`;
      t.diagnostic(summary);
      // Timings are reported, not asserted (a loaded machine stretches them all).
      for (const s of [200, 503]) {
        const ms = outcomes.filter((o) => o.status === s).map((o) => o.ms).sort((a, b) => a - b);
        const at = (p: number) => ms[Math.min(ms.length - 1, Math.floor(ms.length * p))] ?? 0;
        t.diagnostic(`${s}: answer began after p0 ${at(0)} ms, p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
      }
      assert.equal(count((o) => o.status >= 500 && !(o.status === 503 && o.code === 'busy')), 0, summary);
      assert.equal(ok + busy + limited, outcomes.length, summary);
      for (const o of outcomes.filter((x) => x.status === 503)) assert.ok(o.retryAfter! >= 1 && o.retryAfter! <= 10, `Retry-After ${o.retryAfter}`);
      assert.ok(ok > 0, summary);
      // 2,000 arrivals are far more than the slots and the queue hold: the rest are refused, not left waiting.
      assert.ok(busy > 0, summary);
      assert.equal(count((o) => o.status === 200 && o.last !== 'done'), 0, `every accepted message got its reply: ${summary}`);

      // A refusal changes nothing: exactly the accepted messages are stored, each with its reply.
      const stored = (await Promise.all(visitors.map(({ ws, v }) => storedMessages(server.db, ws, v.conversationId)))).flat();
      assert.equal(stored.filter((m) => m.role === 'user').length, ok);
      assert.equal(stored.filter((m) => m.role === 'assistant' && m.status === 'complete').length, ok);

      // And once the burst has passed, the next message goes through.
      const later = await newVisitor(server.url, workspaces[0]!.publicId);
      assert.equal((await send(later, 'after the burst')).last, 'done');
    });
  });
}
