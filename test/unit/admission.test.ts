import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import { admission, BUSY_MESSAGE, leaveAdmission } from '../../server/http/admission.js';
import { AdmissionRefused, createAdmissionGate } from '../../server/http/admission-gate.js';
import { errorHandler } from '../../server/http/errors.js';
import { requestContext } from '../../server/http/request-context.js';
import { createLogger } from '../../server/logging.js';
import { ApiError, type Api } from '../../widget/lib/api.js';
import { Chat } from '../../widget/lib/chat.js';
import { stringsFor } from '../../widget/lib/i18n.js';
import type { Session } from '../../widget/lib/session.js';

const refusal = (reason: AdmissionRefused['reason']) => (err: unknown) => err instanceof AdmissionRefused && err.reason === reason;

// Issue #12, point 2: the gate in front of the database pool.
describe('admission gate', () => {
  test('admits up to maxActive at once, queues up to maxQueue in arrival order, refuses the next at once', async () => {
    const gate = createAdmissionGate({ maxActive: 2, maxQueue: 2, maxWaitMs: 5_000 });
    const first = await gate.acquire();
    await gate.acquire();
    const order: string[] = [];
    const a = gate.acquire().then((release) => (order.push('a'), release));
    const b = gate.acquire().then((release) => (order.push('b'), release));
    assert.deepEqual([gate.active, gate.queued], [2, 2]);
    await assert.rejects(gate.acquire(), refusal('queue_full'));
    first();
    first(); // a second release gives back nothing more
    const releaseA = await a;
    assert.deepEqual([order, gate.active, gate.queued], [['a'], 2, 1]);
    releaseA();
    (await b)();
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(gate.active, 1);
  });

  test('a request waits at most maxWaitMs, and its place is freed', async () => {
    const gate = createAdmissionGate({ maxActive: 1, maxQueue: 1, maxWaitMs: 50 });
    const held = await gate.acquire();
    const started = Date.now();
    await assert.rejects(gate.acquire(), refusal('timeout'));
    assert.ok(Date.now() - started >= 45, 'it waited');
    assert.equal(gate.queued, 0);
    held();
    assert.equal(gate.active, 0);
  });

  test('a waiter whose client leaves is removed from the queue at once', async () => {
    const gate = createAdmissionGate({ maxActive: 1, maxQueue: 5, maxWaitMs: 5_000 });
    const held = await gate.acquire();
    const gone = new AbortController();
    const waiting = gate.acquire(gone.signal);
    gone.abort();
    await assert.rejects(waiting, refusal('gone'));
    await assert.rejects(gate.acquire(gone.signal), refusal('gone'));
    assert.equal(gate.queued, 0);
    held();
    assert.equal(gate.active, 0);
  });

  test('maxQueue 0 refuses as soon as every slot is taken', async () => {
    const gate = createAdmissionGate({ maxActive: 1, maxQueue: 0, maxWaitMs: 1_000 });
    await gate.acquire();
    await assert.rejects(gate.acquire(), refusal('queue_full'));
  });
});

describe('admission middleware', () => {
  async function serve(app: express.Express, fn: (url: string) => Promise<void>) {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  test('a handler that throws gives its slot back; a refusal is 503 busy with Retry-After, readable cross-origin', async () => {
    const gate = createAdmissionGate({ maxActive: 1, maxQueue: 0, maxWaitMs: 1_000 });
    let unblock!: () => void;
    const blocked = new Promise<void>((r) => (unblock = r));
    const app = express();
    app.use(requestContext(createLogger({ level: 'silent' })));
    app.use(admission(gate));
    app.get('/fail', () => {
      throw new Error('boom');
    });
    app.get('/slow', async (_req, res) => {
      await blocked;
      res.json({ ok: true });
    });
    app.get('/early', (_req, res) => {
      leaveAdmission(res);
      res.json({ active: gate.active });
    });
    app.use(errorHandler);
    await serve(app, async (url) => {
      assert.equal((await fetch(`${url}/fail`)).status, 500);
      assert.equal(gate.active, 0, 'released after an error');
      assert.deepEqual(await (await fetch(`${url}/early`)).json(), { active: 0 });
      const slow = fetch(`${url}/slow`);
      while (gate.active === 0) await new Promise((r) => setTimeout(r, 5));
      const busy = await fetch(`${url}/early`, { headers: { origin: 'https://site.example' } });
      assert.equal(busy.status, 503);
      assert.deepEqual(await busy.json(), { error: { code: 'busy', message: BUSY_MESSAGE } });
      const retryAfter = Number(busy.headers.get('retry-after'));
      assert.ok(retryAfter >= 2 && retryAfter <= 6, `Retry-After ${retryAfter}`);
      assert.equal(busy.headers.get('access-control-allow-origin'), 'https://site.example');
      assert.match(busy.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
      unblock();
      assert.equal((await slow).status, 200);
      while (gate.active > 0) await new Promise((r) => setTimeout(r, 5));
    });
  });
});

describe('widget: a busy server', () => {
  const session = { known: true, authorized: <T>(fn: (token: string) => Promise<T>) => fn('token') } as unknown as Session;
  for (const [language, sentence] of [
    ['en', 'Lots of people are chatting right now. Please try again in a few seconds.'],
    ['de', 'Gerade chatten sehr viele Menschen. Bitte versuchen Sie es in ein paar Sekunden noch einmal.'],
    ['fr', 'Beaucoup de personnes discutent en ce moment. Réessayez dans quelques secondes.'],
  ] as const) {
    test(`503 busy shows the widget's own sentence (${language}); the message is not kept as sent`, async () => {
      const strings = stringsFor([language]);
      const api = { createConversation: async () => ({ id: 'c1', createdAt: '' }), send: () => Promise.reject(new ApiError(503, 'busy', 'server sentence', 3)) } as unknown as Api;
      const chat = new Chat(api, session, strings, () => undefined);
      assert.equal(await chat.send('hello'), false);
      assert.equal(chat.state.notice, sentence);
      assert.deepEqual(chat.state.messages, []);
    });
  }
});
