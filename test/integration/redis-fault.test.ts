import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeMistral } from '../../scripts/fake-mistral.js';
import type { Config } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { parseKeyring } from '../../server/keys/keyring.js';
import { ADMIN_PASSWORD, adminRequest } from '../support/admin.js';
import { spawnServer, type ChildServer } from '../support/child-server.js';
import { createCliAdmin } from '../support/cli-admin.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { loadTally, type LoadTally } from '../support/load-tally.js';
import { testEnv } from '../support/test-server.js';
import { randomIp, seedWidgetWorkspace, sseEvents, widgetHttp, type SseEvent } from '../support/widget.js';

// Production runs on PostgreSQL when there is one; the embedded database otherwise.
const kind = databaseKinds.includes('postgres') ? 'postgres' : 'pglite';

// Issue #11 point 2: Redis going away mid-run stops nothing. This test's own redis-server,
// never the shared one on 6379, is frozen, then killed under load and started again on the same port.
test(`Redis frozen, then killed and restarted under load: the server lives, nothing answers 500 or hangs, and Redis is used again (${kind})`, async (t) => {
  const port = await freePort();
  let redis = await startRedis(port);
  const fake = await startFakeMistral();
  fake.setScript(() => ({ chunks: ['Hello', ' there', '!'], delayMs: 30 }));
  const database = kind === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const env = testEnv({ MISTRAL_SERVER_URL: fake.url, REDIS_URL: `redis://127.0.0.1:${port}`, ...(database && { DATABASE_URL: database.ownerUrl! }) });
  const dbConfig: Config['database'] = database?.config ?? { kind: 'pglite', dir: join(env.DATA_DIR!, 'pglite') };
  let server: ChildServer | undefined;
  try {
    const setup = await openDatabase(dbConfig);
    const ws = await seedWidgetWorkspace(setup, { byok: { keyring: parseKeyring(env.MASTER_KEYS!), key: 'fault-test-key' } }).finally(() => setup.close());
    // Before the server: on PGlite the data directory admits one process at a time.
    const admin = await createCliAdmin(env);
    server = await spawnServer(['--import', 'tsx', 'server/main.ts'], env);
    const url = server.url;

    const widgetRound = async (tally: LoadTally) => {
      const http = widgetHttp(url);
      const session = await tally.json('widget session', 201, () => http.post('/api/widget/sessions', { workspace: ws.publicId }));
      if (!session) return;
      const { token } = (await session.json()) as { token: string };
      const conversation = await tally.json('widget conversation', 201, () => http.post('/api/widget/conversations', {}, token));
      if (!conversation) return;
      const { id } = (await conversation.json()) as { id: string };
      for (const content of ['hi', 'and again']) {
        await tally.stream('widget message', () => http.post(`/api/widget/conversations/${id}/messages`, { content }, token), readEvents);
      }
    };
    // Sign-in attempts, wrong and right, from changing addresses: the throttle counts in Redis, or in memory while it is gone.
    let attempt = 0;
    const signInRound = async (tally: LoadTally) => {
      const wrong = attempt++ % 2 === 0;
      await tally.json(wrong ? 'sign-in, wrong password' : 'sign-in', wrong ? 401 : 200, async () => {
        const res = await fetch(`${url}/api/admin/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: url, 'x-forwarded-for': randomIp() },
          body: JSON.stringify({ email: admin.email, password: wrong ? `${ADMIN_PASSWORD} not` : ADMIN_PASSWORD }),
        });
        return res;
      });
    };

    const tally = loadTally({ unavailableCodes: [] });
    let running = true;
    const loop = async (round: () => Promise<unknown>, pauseMs: number) => {
      while (running) {
        await round();
        await sleep(pauseMs);
      }
    };
    const workers = [loop(() => widgetRound(tally), 20), loop(() => widgetRound(tally), 20), loop(() => signInRound(tally), 100)];
    const frozen = loadTally({ unavailableCodes: [], timeoutMs: 8_000 });
    try {
      await sleep(1_000);
      // A Redis that stops answering without closing its connections (frozen, or a network
      // that drops packets): commands must give up, not hold the requests that wait on them.
      redis.kill('SIGSTOP');
      await Promise.all([widgetRound(frozen), signInRound(frozen), signInRound(frozen)]);
      redis.kill('SIGCONT');
      await sleep(500);
      // Then Redis dies, and comes back two seconds later on the same port.
      redis.kill('SIGKILL');
      await once(redis, 'exit');
      await sleep(2_000);
      redis = await startRedis(port);
      await sleep(1_500);
    } finally {
      if (redis.signalCode === null && redis.exitCode === null) redis.kill('SIGCONT');
      running = false;
      await Promise.all(workers);
    }

    assert.ok(server.child.exitCode === null && server.child.signalCode === null, `the server died:\n${server.output().slice(-3_000)}`);
    assert.deepEqual(frozen.failures, [], 'while Redis was frozen, requests were answered within 8 s');
    assert.deepEqual(tally.failures, [], 'every request was answered, and none with a 500');
    assert.ok(frozen.counts.ok >= 3 && tally.counts.ok > 0);
    t.diagnostic(`${JSON.stringify(tally.counts)}; while frozen: ${JSON.stringify(frozen.counts)}`);
    assert.match(server.output(), /redis unavailable; rate limits fall back to this process/);

    // Redis is back: the server counts there again (this Redis started empty).
    const after = loadTally({ unavailableCodes: [] });
    let keys = 0;
    for (const end = Date.now() + 10_000; Date.now() < end && keys === 0; await sleep(200)) {
      await widgetRound(after);
      keys = Number((await redisCommand(port, 'DBSIZE')).slice(1));
    }
    assert.ok(keys > 0, 'rate-limit counters are in Redis again');
    const signedIn = await admin.signIn(url, { 'x-forwarded-for': randomIp() });
    assert.equal(signedIn.res.status, 200, signedIn.res.text);
    assert.equal((await adminRequest({ url }, 'GET', '/workspaces', { token: signedIn.token })).status, 200);
    assert.deepEqual(after.failures, []);
  } finally {
    await server?.stop();
    if (redis.exitCode === null && redis.signalCode === null) {
      redis.kill('SIGKILL');
      await once(redis, 'exit');
    }
    await database?.drop();
    await fake.close();
  }
});

async function readEvents(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(res)) events.push(event);
  return events;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A throwaway redis-server: no snapshots, no append-only file, gone with the test. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if ((await redisCommand(port, 'PING').catch(() => '')) === '+PONG') return child;
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${port}`);
}

/** One inline command, its first reply line. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}
