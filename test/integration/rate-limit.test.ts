import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { lastUserText, startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { allEvents, newVisitor, randomIp, seedWidgetWorkspace, storedMessages, widgetHttp, type ChatVisitor } from '../support/widget.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// The limits do not depend on the database: one kind is enough, the faster one when there are two.
const kind = databaseKinds.at(-1)!;

describe(`rate limits (on ${kind})`, () => {
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

  const send = (v: ChatVisitor, content: string) => v.http.post(`/api/widget/conversations/${v.conversationId}/messages`, { content }, v.token);
  const assertLimited = async (res: Response) => {
    assert.equal(res.status, 429);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'rate_limited');
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
  };

  test('20 messages a minute per visitor; the 21st gets 429 and is not stored', async () => {
    const ws = await seedWidgetWorkspace(server.db);
    const v = await newVisitor(server.url, ws.publicId);
    for (let i = 1; i <= 20; i++) assert.equal((await allEvents(await send(v, `m${i}`))).at(-1)?.event, 'done', `message ${i}`);
    await assertLimited(await send(v, 'm21'));
    assert.equal((await storedMessages(server.db, ws.id, v.conversationId)).length, 40);
    const other = await newVisitor(server.url, ws.publicId);
    assert.equal((await send(other, 'another visitor')).status, 200);
  });

  /**
   * One visitor on one address sends 650 messages (more than the workspace's 600): 20 get through,
   * and then neither another visitor on that address nor one elsewhere is refused.
   */
  async function floodFromOneVisitor(baseUrl: string) {
    const ws = await seedWidgetWorkspace(server.db);
    const flooder = await newVisitor(baseUrl, ws.publicId);
    const statuses: number[] = [];
    for (let sent = 0; sent < 650; sent += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const res = await send(flooder, `flood ${sent + i}`);
        await res.text();
        return res.status;
      }));
      statuses.push(...batch);
    }
    assert.equal(statuses.filter((s) => s === 200).length, 20);
    assert.equal(statuses.filter((s) => s === 429).length, 630);
    const sameAddress = await newVisitor(baseUrl, ws.publicId, { ip: flooder.http.ip });
    assert.equal((await allEvents(await send(sameAddress, 'same address, another visitor'))).at(-1)?.event, 'done');
    const elsewhere = await newVisitor(baseUrl, ws.publicId);
    assert.equal((await allEvents(await send(elsewhere, 'another visitor elsewhere'))).at(-1)?.event, 'done');
  }

  test("a visitor's refused messages spend none of its address's or workspace's points", () => floodFromOneVisitor(server.url));

  test('60 messages a minute per address, whichever visitors send them', async () => {
    const ws = await seedWidgetWorkspace(server.db);
    const ip = randomIp();
    const visitors = await Promise.all([1, 2, 3, 4].map(() => newVisitor(server.url, ws.publicId, { ip })));
    for (const v of visitors.slice(0, 3)) {
      for (let i = 1; i <= 20; i++) assert.equal((await send(v, `m${i}`)).status, 200);
    }
    await assertLimited(await send(visitors[3]!, 'from the same address'));
    const elsewhere = await newVisitor(server.url, ws.publicId);
    assert.equal((await send(elsewhere, 'from elsewhere')).status, 200);
  });

  describe('with REDIS_URL', () => {
    const prefix = `parley-test-${randomBytes(6).toString('hex')}`;
    let redis: Redis;
    let a: RunningServer;
    let b: RunningServer;
    before(async () => {
      redis = new Redis(REDIS_URL);
      const config = { ...server.config, redisUrl: REDIS_URL };
      a = await startServer(config, createLogger({ level: 'silent' }), { db: server.db, rateLimitPrefix: prefix });
      b = await startServer(config, createLogger({ level: 'silent' }), { db: server.db, rateLimitPrefix: prefix });
    });
    after(async () => {
      await a?.close(1_000);
      await b?.close(1_000);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    test('instances share the counters: 30 sessions per address across two of them, then 429 on both', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const ip = randomIp();
      for (let i = 0; i < 30; i++) {
        const res = await widgetHttp(i % 2 === 0 ? a.url : b.url, { ip }).post('/api/widget/sessions', { workspace: ws.publicId });
        assert.equal(res.status, 201, `session ${i + 1}`);
      }
      await assertLimited(await widgetHttp(a.url, { ip }).post('/api/widget/sessions', { workspace: ws.publicId }));
      await assertLimited(await widgetHttp(b.url, { ip }).post('/api/widget/sessions', { workspace: ws.publicId }));
      const stored = await redis.keys(`${prefix}:session:ip:*`);
      assert.ok(stored.some((k) => k.endsWith(ip)), `a counter for ${ip} is in Redis: ${stored.join(', ')}`);
    });

    test("with Redis too, a visitor's refused messages spend none of its address's or workspace's points", () => floodFromOneVisitor(a.url));

    test('messages are counted across instances too', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const v = await newVisitor(a.url, ws.publicId);
      for (let i = 1; i <= 20; i++) {
        const res = await (i % 2 === 0 ? widgetHttp(b.url, { ip: v.http.ip }) : v.http).post(`/api/widget/conversations/${v.conversationId}/messages`, { content: `m${i}` }, v.token);
        assert.equal(res.status, 200, `message ${i}`);
        await res.text();
      }
      await assertLimited(await widgetHttp(b.url, { ip: v.http.ip }).post(`/api/widget/conversations/${v.conversationId}/messages`, { content: 'm21' }, v.token));
    });
  });

  test('with Redis unreachable, each instance still limits in its own memory', async () => {
    const down = await startServer({ ...server.config, redisUrl: 'redis://127.0.0.1:1' }, createLogger({ level: 'silent' }), { db: server.db });
    try {
      const ws = await seedWidgetWorkspace(server.db);
      const http = widgetHttp(down.url);
      for (let i = 0; i < 30; i++) assert.equal((await http.post('/api/widget/sessions', { workspace: ws.publicId })).status, 201, `session ${i + 1}`);
      await assertLimited(await http.post('/api/widget/sessions', { workspace: ws.publicId }));
    } finally {
      await down.close(1_000);
    }
  });
});
