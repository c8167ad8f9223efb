import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { withTenant } from '../../server/db/tenant.js';
import { issueWidgetToken, verifyWidgetToken } from '../../server/widget-session/widget-token.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { newVisitor, randomIp, seedWidgetWorkspace, SITE, widgetHttp } from '../support/widget.js';

type ErrorBody = { error: { code: string; message: string } };

for (const kind of databaseKinds) {
  describe(`widget config and sessions on ${kind}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { MISTRAL_API_KEY: 'operator-key-for-tests' });
    });
    after(() => server?.stop());

    const visitorCount = (workspaceId: string) =>
      withTenant(server.db, workspaceId, async (q) => (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM visitors')).rows[0]!.n);

    test('GET /api/widget/config answers the allowed origin with the workspace settings and CORS headers', async () => {
      const ws = await seedWidgetWorkspace(server.db, { theme: { color: '#ff0000', position: 'left', mode: 'nonsense' } });
      const res = await widgetHttp(server.url).get(`/api/widget/config?workspace=${ws.publicId}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), SITE);
      assert.match(res.headers.get('vary') ?? '', /Origin/);
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
      assert.deepEqual(await res.json(), {
        workspace: ws.publicId,
        title: 'Chat with us',
        greeting: 'Hi! How can we help?',
        theme: { color: '#ff0000', position: 'left', mode: 'auto' },
        available: true,
      });
    });

    test('origins match by exact scheme, host and port, after normalisation', async () => {
      const ws = await seedWidgetWorkspace(server.db, { origins: ['https://shop.example', 'http://localhost:8080'] });
      const status = async (origin: string | null) => (await widgetHttp(server.url, { origin }).get(`/api/widget/config?workspace=${ws.publicId}`)).status;
      for (const allowed of ['https://shop.example', 'https://SHOP.example:443', 'http://localhost:8080']) assert.equal(await status(allowed), 200, allowed);
      for (const refused of ['http://shop.example', 'https://shop.example:8443', 'https://www.shop.example', 'http://localhost:8081', 'null', null]) {
        assert.equal(await status(refused), 403, String(refused));
      }
    });

    test('a refused origin gets 403 origin_not_allowed it cannot read, and no visitor is created', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const http = widgetHttp(server.url, { origin: 'https://evil.example' });
      const config = await http.get(`/api/widget/config?workspace=${ws.publicId}`);
      assert.equal(config.status, 403);
      assert.equal(((await config.json()) as ErrorBody).error.code, 'origin_not_allowed');
      assert.equal(config.headers.get('access-control-allow-origin'), null);
      const session = await http.post('/api/widget/sessions', { workspace: ws.publicId });
      assert.equal(session.status, 403);
      assert.equal(((await session.json()) as ErrorBody).error.code, 'origin_not_allowed');
      assert.equal(await visitorCount(ws.id), 0);
    });

    test('unknown workspace: 404 workspace_not_found; missing one: 400', async () => {
      const http = widgetHttp(server.url);
      for (const id of ['wk_doesnotexist00', 'x', `${'a'.repeat(65)}`]) {
        const res = await http.get(`/api/widget/config?workspace=${id}`);
        assert.equal(res.status, 404);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'workspace_not_found');
      }
      assert.equal((await http.post('/api/widget/sessions', { workspace: 'wk_doesnotexist00' })).status, 404);
      assert.equal((await http.get('/api/widget/config')).status, 400);
      assert.equal((await http.post('/api/widget/sessions', {})).status, 400);
    });

    test('preflights are answered for any origin, for GET and POST with Authorization and Content-Type', async () => {
      const res = await fetch(`${server.url}/api/widget/sessions`, {
        method: 'OPTIONS',
        headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://anywhere.example');
      assert.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, DELETE');
      assert.equal(res.headers.get('access-control-allow-headers'), 'Authorization, Content-Type');
      assert.equal(res.headers.get('access-control-max-age'), '600');
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
    });

    test('a first visit creates a visitor whose secret is stored only as its SHA-256, and a 15-minute token', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const res = await widgetHttp(server.url).post('/api/widget/sessions', { workspace: ws.publicId });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('access-control-allow-origin'), SITE);
      const body = (await res.json()) as { token: string; expiresAt: string; visitor: { id: string; secret: string } };
      assert.deepEqual(Object.keys(body).sort(), ['expiresAt', 'token', 'visitor']);
      const claims = verifyWidgetToken(server.config.tokenKeys, body.token);
      assert.deepEqual(claims, { workspaceId: ws.id, visitorId: body.visitor.id });
      const ttl = Date.parse(body.expiresAt) - Date.now();
      assert.ok(ttl > 14 * 60_000 && ttl <= 15 * 60_000, `expires in ${ttl} ms`);
      assert.ok(body.visitor.secret.length >= 43);
      const stored = await withTenant(server.db, ws.id, async (q) => (await q.query<{ secret_hash: Uint8Array }>('SELECT secret_hash FROM visitors')).rows);
      assert.equal(stored.length, 1);
      assert.deepEqual(Buffer.from(stored[0]!.secret_hash), createHash('sha256').update(body.visitor.secret).digest());
    });

    test('a returning visitor with its secret keeps its id; a wrong secret, an unknown id or another workspace\'s visitor gets a new one', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const other = await seedWidgetWorkspace(server.db);
      const http = widgetHttp(server.url);
      const first = (await (await http.post('/api/widget/sessions', { workspace: ws.publicId })).json()) as { visitor: { id: string; secret: string } };
      const again = await http.post('/api/widget/sessions', { workspace: ws.publicId, visitor: first.visitor });
      assert.equal(again.status, 201);
      const againBody = (await again.json()) as { token: string; visitor?: unknown };
      assert.equal(againBody.visitor, undefined);
      assert.equal(verifyWidgetToken(server.config.tokenKeys, againBody.token)?.visitorId, first.visitor.id);

      for (const visitor of [{ ...first.visitor, secret: `${first.visitor.secret}x` }, { id: randomUUID(), secret: first.visitor.secret }, { id: 'garbage', secret: 'x' }]) {
        const res = await http.post('/api/widget/sessions', { workspace: ws.publicId, visitor });
        const body = (await res.json()) as { token: string; visitor: { id: string } };
        assert.ok(body.visitor && body.visitor.id !== first.visitor.id, JSON.stringify(visitor));
        assert.equal(verifyWidgetToken(server.config.tokenKeys, body.token)?.visitorId, body.visitor.id);
      }
      const crossed = (await (await http.post('/api/widget/sessions', { workspace: other.publicId, visitor: first.visitor })).json()) as { visitor?: { id: string } };
      assert.ok(crossed.visitor && crossed.visitor.id !== first.visitor.id);
      assert.equal(await visitorCount(ws.id), 4);
    });

    test('missing, malformed, forged or expired tokens get 401 invalid_token, all alike, readable by the page', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const visitor = await newVisitor(server.url, ws.publicId);
      const [, payload] = visitor.token.split('.');
      const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), vis: randomUUID() })).toString('base64url');
      const expired = issueWidgetToken(server.config.tokenKeys, { workspaceId: ws.id, visitorId: visitor.visitorId }, Date.now() - 16 * 60_000).token;
      const foreignKey = `v1.${payload}.${createHmac('sha256', Buffer.alloc(32, 7)).update(`v1.${payload}`).digest('base64url')}`;
      const bodies = new Set<string>();
      for (const token of [undefined, '', 'nonsense', `v1.${forgedPayload}.${visitor.token.split('.')[2]}`, expired, foreignKey]) {
        for (const res of [await visitor.http.get('/api/widget/conversations', token), await visitor.http.post(`/api/widget/conversations/${visitor.conversationId}/messages`, { content: 'hi' }, token)]) {
          assert.equal(res.status, 401, String(token));
          assert.equal(res.headers.get('access-control-allow-origin'), SITE);
          bodies.add(await res.text());
        }
      }
      assert.equal(bodies.size, 1);
      assert.equal((JSON.parse([...bodies][0]!) as ErrorBody).error.code, 'invalid_token');
      assert.equal((await visitor.http.get('/api/widget/conversations', visitor.token)).status, 200);
    });

    test("a valid token used from an origin its workspace does not allow gets 403", async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const visitor = await newVisitor(server.url, ws.publicId);
      const elsewhere = widgetHttp(server.url, { origin: 'https://other-site.example' });
      const res = await elsewhere.get(`/api/widget/conversations/${visitor.conversationId}/messages`, visitor.token);
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as ErrorBody).error.code, 'origin_not_allowed');
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    });

    test('a token of another workspace finds none of this workspace\'s conversations: 404, nothing revealed', async () => {
      const a = await seedWidgetWorkspace(server.db);
      const b = await seedWidgetWorkspace(server.db);
      const alice = await newVisitor(server.url, a.publicId);
      const mallory = await newVisitor(server.url, b.publicId);
      const unknown = await mallory.http.get(`/api/widget/conversations/${randomUUID()}/messages`, mallory.token);
      const res = await mallory.http.get(`/api/widget/conversations/${alice.conversationId}/messages`, mallory.token);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), await unknown.json());
      const post = await mallory.http.post(`/api/widget/conversations/${alice.conversationId}/messages`, { content: 'hello alice' }, mallory.token);
      assert.equal(post.status, 404);
      const stored = await withTenant(server.db, a.id, async (q) => (await q.query('SELECT id FROM messages')).rows);
      assert.deepEqual(stored, []);
      const list = (await (await mallory.http.get('/api/widget/conversations', mallory.token)).json()) as { conversations: { id: string }[] };
      assert.deepEqual(list.conversations.map((c) => c.id), [mallory.conversationId]);
    });

    test('30 sessions a minute per address, then 429 rate_limited with Retry-After the page can read', async () => {
      const ws = await seedWidgetWorkspace(server.db);
      const http = widgetHttp(server.url, { ip: randomIp() });
      for (let i = 0; i < 30; i++) assert.equal((await http.post('/api/widget/sessions', { workspace: ws.publicId })).status, 201, `session ${i + 1}`);
      const limited = await http.post('/api/widget/sessions', { workspace: ws.publicId });
      assert.equal(limited.status, 429);
      assert.equal(((await limited.json()) as ErrorBody).error.code, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
      assert.equal(limited.headers.get('access-control-allow-origin'), SITE);
      assert.match(limited.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
      assert.equal(await visitorCount(ws.id), 30);
      assert.equal((await widgetHttp(server.url).post('/api/widget/sessions', { workspace: ws.publicId })).status, 201, 'another address is not limited');
    });
  });
}
