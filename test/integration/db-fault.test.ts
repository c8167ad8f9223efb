import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { lastUserText, startFakeMistral } from '../../scripts/fake-mistral.js';
import { openDatabase } from '../../server/db/open.js';
import { parseKeyring } from '../../server/keys/keyring.js';
import { adminRequest } from '../support/admin.js';
import { spawnServer, type ChildServer } from '../support/child-server.js';
import { createCliAdmin } from '../support/cli-admin.js';
import { createTestDatabase } from '../support/databases.js';
import { loadTally, type LoadTally } from '../support/load-tally.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { testEnv } from '../support/test-server.js';
import { seedWidgetWorkspace, sseEvents, widgetHttp, type SseEvent } from '../support/widget.js';

// Issue #11 point 2: PostgreSQL connections killed under load, then the database gone for
// two seconds. Runs wherever TEST_DATABASE_URL is set, which CI sets.
const adminUrl = process.env.TEST_DATABASE_URL;
const KILL = `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`;

test('killed database connections and a database outage end no process; only 503s fail, and then everything works (postgres)', {
  skip: adminUrl ? false : 'needs PostgreSQL: set TEST_DATABASE_URL',
}, async (t) => {
  const fake = await startFakeMistral();
  // Short replies for the widget load, long ones that span the kills, and one that outlasts them.
  const replies: Record<string, { chunks: string[]; delayMs: number }> = { long: { chunks: Array(40).fill('word '), delayMs: 100 }, outage: { chunks: Array(14).fill('word '), delayMs: 500 } };
  fake.setScript((request) => replies[lastUserText(request)] ?? { chunks: ['Hello', ' there', '!'], delayMs: 30 });
  const database = await createTestDatabase('postgres');
  const direct = new URL(database.ownerUrl!);
  const dbName = direct.pathname.slice(1);
  // The server reaches PostgreSQL only through this proxy, so the test can take the database away.
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(direct);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const env = testEnv({ MISTRAL_SERVER_URL: fake.url, DATABASE_URL: viaProxy.toString() });
  const killer = new pg.Client({ connectionString: adminUrl });
  await killer.connect();
  let server: ChildServer | undefined;
  try {
    const setup = await openDatabase(database.config);
    const ws = await seedWidgetWorkspace(setup, { byok: { keyring: parseKeyring(env.MASTER_KEYS!), key: 'fault-test-key' } }).finally(() => setup.close());
    // Side by side, to save seconds: the server and `npm run create-admin` both start tsx.
    const starting = spawnServer(['--import', 'tsx', 'server/main.ts'], env).then((started) => (server = started));
    const admin = await createCliAdmin({ ...env, DATABASE_URL: database.ownerUrl! }, 'Fault').catch(async (err: unknown) => {
      await starting.catch(() => undefined);
      throw err;
    });
    const started = await starting;
    const { url } = started;
    const signedIn = await admin.signIn(url);
    assert.equal(signedIn.res.status, 200, signedIn.res.text);
    const workspace = { id: admin.workspaceId };
    const created = await adminRequest({ url }, 'POST', `/workspaces/${workspace.id}/api-keys`, { body: { name: 'fault', scope: 'read' }, token: signedIn.token, csrf: signedIn.csrf });
    assert.equal(created.status, 201, created.text);
    const apiKey = created.body!.secret as string;

    const cookie = { cookie: `__Host-parley_session=${signedIn.token}` };
    const widgetRound = async (tally: LoadTally, content: string) => {
      const http = widgetHttp(url);
      const session = await tally.json('widget session', 201, () => http.post('/api/widget/sessions', { workspace: ws.publicId }));
      if (!session) return undefined;
      const { token } = (await session.json()) as { token: string };
      const conversation = await tally.json('widget conversation', 201, () => http.post('/api/widget/conversations', {}, token));
      if (!conversation) return undefined;
      const { id } = (await conversation.json()) as { id: string };
      await tally.stream('widget message', () => http.post(`/api/widget/conversations/${id}/messages`, { content }, token), readEvents);
      return { http, token, id };
    };
    const adminRound = async (tally: LoadTally) => {
      await tally.json('admin workspaces', 200, () => fetch(`${url}/api/admin/workspaces`, { headers: cookie }));
      await tally.json('admin settings', 200, () => fetch(`${url}/api/admin/workspaces/${workspace.id}/settings`, { headers: cookie }));
    };
    const apiRound = (tally: LoadTally) =>
      tally.json('api v1 conversations', 200, () => fetch(`${url}/api/v1/conversations`, { headers: { authorization: `Bearer ${apiKey}` } }));

    const tally = loadTally();
    let running = true;
    const loop = async (round: () => Promise<unknown>, pauseMs: number) => {
      while (running) {
        await round();
        await sleep(pauseMs);
      }
    };
    const workers = [
      loop(() => widgetRound(tally, 'hi'), 20),
      loop(() => widgetRound(tally, 'hi'), 20),
      loop(() => widgetRound(tally, 'long'), 20),
      loop(() => adminRound(tally), 20),
      loop(() => apiRound(tally), 20),
    ];

    // A reply still streaming when the database goes away: the visitor's question is stored,
    // the reply cannot be, and the stream must say so with an error event.
    const outage = widgetHttp(url);
    const outageSession = (await (await outage.post('/api/widget/sessions', { workspace: ws.publicId })).json()) as { token: string };
    const outageConversation = (await (await outage.post('/api/widget/conversations', {}, outageSession.token)).json()) as { id: string };
    const outageReply = await outage.post(`/api/widget/conversations/${outageConversation.id}/messages`, { content: 'outage' }, outageSession.token);
    assert.equal(outageReply.status, 200);
    const outageEvents = readEvents(outageReply).catch((err: Error) => [{ event: `cut: ${err.message}`, data: {} }]);

    // Every 100 ms, every connection the server has to its database is terminated.
    let killed = 0;
    const readyWhileDown: number[] = [];
    try {
      for (const end = Date.now() + 4_000; Date.now() < end; await sleep(100)) {
        killed += (await killer.query<{ n: number }>(KILL, [dbName])).rows[0]!.n;
      }
      // Then the database is gone for 2 s, as in a restart: open connections cut, new ones refused.
      proxy.cut();
      for (const end = Date.now() + 2_000; Date.now() < end; await sleep(200)) readyWhileDown.push(await statusOf(`${url}/readyz`));
      // Down until that reply has ended (about 7 s after it began).
      await Promise.race([outageEvents, sleep(15_000)]);
      proxy.restore();
    } finally {
      running = false;
      await Promise.all(workers);
    }

    assert.ok(started.child.exitCode === null && started.child.signalCode === null, `the server died:\n${started.output().slice(-3_000)}`);
    assert.doesNotMatch(started.output(), /Unhandled 'error' event|uncaught/i);
    assert.ok(killed > 0, 'the kill loop terminated connections');
    assert.ok(readyWhileDown.includes(503), `/readyz while the database was down: ${readyWhileDown.join(', ')}`);
    assert.deepEqual(tally.failures, [], 'every failed request was a JSON 503 with Retry-After (or, in a stream, an error event)');
    assert.ok(tally.counts.unavailable > 0, 'some requests were caught by the outage');
    const streamed = await outageEvents;
    assert.deepEqual([streamed[0]?.event, streamed.at(-1)?.event], ['accepted', 'error'], JSON.stringify(streamed.at(-1)));
    t.diagnostic(`killed ${killed} connections; ${JSON.stringify(tally.counts)}; /readyz while down: ${readyWhileDown.join(' ')}`);

    // Afterwards the pool has reconnected: ready, and every kind of request succeeds.
    let ready = 0;
    for (const end = Date.now() + 15_000; Date.now() < end && ready !== 200; await sleep(200)) ready = await statusOf(`${url}/readyz`);
    assert.equal(ready, 200, '/readyz once the database is back');
    const after = loadTally();
    const visitor = await widgetRound(after, 'hi');
    const history = await after.json('widget history', 200, () => visitor!.http.get(`/api/widget/conversations/${visitor!.id}/messages`, visitor!.token));
    assert.equal(((await history?.json()) as { messages: unknown[] } | undefined)?.messages.length, 2, 'the question and its reply are stored');
    const kept = await after.json('widget history', 200, () => outage.get(`/api/widget/conversations/${outageConversation.id}/messages`, outageSession.token));
    const keptMessages = ((await kept?.json()) as { messages: { role: string; content: string }[] } | undefined)?.messages;
    assert.deepEqual(keptMessages?.map((m) => [m.role, m.content]), [['user', 'outage']], 'the question outlived the outage');
    await adminRound(after);
    await apiRound(after);
    assert.deepEqual(after.failures, []);
    assert.deepEqual(after.counts, { ok: 8, unavailable: 0, limited: 0, streamErrors: 0 });
  } finally {
    await server?.stop();
    await killer.end();
    await proxy.close();
    await database.drop();
    await fake.close();
  }
});

async function readEvents(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(res)) events.push(event);
  return events;
}

/** The status of a GET, or 0 when nothing answered. */
function statusOf(url: string): Promise<number> {
  return fetch(url).then(
    (res) => res.arrayBuffer().then(() => res.status),
    () => 0,
  );
}
