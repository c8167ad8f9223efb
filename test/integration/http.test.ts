import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../server/config.js';
import { latestVersion, loadMigrations } from '../../server/db/migrate.js';
import { openDatabase } from '../../server/db/open.js';
import { createLogger } from '../../server/logging.js';
import { startServer } from '../../server/server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { startTestServer, testEnv, type TestServer } from '../support/test-server.js';

const STACK_TRACE = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/;

for (const kind of databaseKinds) {
  describe(`HTTP baseline on ${kind}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind);
    });
    after(() => server?.stop());

    const post = (path: string, body: string, contentType = 'application/json') =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

    test('GET /healthz answers 200', async () => {
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { status: string }).status, 'ok');
    });

    test('GET /readyz reports the database, its latency and the current schema version', async () => {
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { status: string; database: { driver: string; latencyMs: number; schemaVersion: number } };
      assert.equal(body.status, 'ready');
      assert.equal(body.database.driver, kind);
      assert.equal(body.database.schemaVersion, latestVersion(loadMigrations()));
      assert.ok(body.database.latencyMs >= 0 && body.database.latencyMs < 2_000);
    });

    test('every response carries the security headers; HSTS only over https', async () => {
      for (const path of ['/healthz', '/nope', '/api/nope']) {
        const res = await fetch(`${server.url}${path}`);
        const csp = res.headers.get('content-security-policy') ?? '';
        for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
          assert.ok(csp.includes(directive), `${path}: CSP has ${directive}`);
        }
        assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${path}: no unsafe CSP sources`);
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
        assert.equal(res.headers.get('strict-transport-security'), null);
        assert.equal(res.headers.get('x-powered-by'), null);
      }
    });

    test('with an https PUBLIC_URL, responses carry HSTS for a year including subdomains', async () => {
      const logger = createLogger({ level: 'silent' });
      const https = await startServer({ ...server.config, publicUrl: 'https://chat.example.com' }, logger, { db: server.db });
      try {
        const res = await fetch(`${https.listenUrl}/healthz`);
        assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
      } finally {
        await https.close(100);
      }
    });

    test('malformed JSON gets 400 invalid_json', async () => {
      const res = await post('/api/anything', '{"content": "unterminated');
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
    });

    test('a body that is not JSON gets 415 unsupported_media_type', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await post('/api/anything', 'content=hello', type);
        assert.equal(res.status, 415, type);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
      }
    });

    test('an oversized body gets 413 payload_too_large', async () => {
      const res = await post('/api/anything', JSON.stringify({ content: 'x'.repeat(100 * 1024) }));
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'payload_too_large');
    });

    test('a JSON primitive at the top level is refused', async () => {
      const res = await post('/api/anything', '"just a string"');
      assert.equal(res.status, 400);
    });

    test('unknown routes get a JSON 404 with no-store on the API', async () => {
      const api = await post('/api/anything', '{"ok": true}');
      assert.equal(api.status, 404);
      assert.equal(api.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await api.json(), { error: { code: 'not_found', message: 'No route for POST /api/anything.' } });
      const page = await fetch(`${server.url}/no/such/page`);
      assert.equal(page.status, 404);
      assert.equal(((await page.json()) as { error: { code: string } }).error.code, 'not_found');
    });

    test('error bodies never carry a stack trace, and the server keeps serving after bad input', async () => {
      const bodies = await Promise.all([
        post('/api/a', '{bad').then((r) => r.text()),
        post('/api/a', 'x', 'text/plain').then((r) => r.text()),
        post('/api/a', JSON.stringify({ x: 'y'.repeat(200_000) })).then((r) => r.text()),
      ]);
      for (const body of bodies) assert.doesNotMatch(body, STACK_TRACE);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    });

    test('each response has a request id; a plain client id is echoed, anything else replaced', async () => {
      const generated = (await fetch(`${server.url}/healthz`)).headers.get('x-request-id');
      assert.match(generated ?? '', /^[0-9a-f-]{36}$/);
      const echoed = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'lb-1234.abc' } });
      assert.equal(echoed.headers.get('x-request-id'), 'lb-1234.abc');
      const replaced = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': `"},"level":"fatal${'x'.repeat(80)}` } });
      assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  });

  test(`on ${kind}, /readyz answers 503 when the database is gone while /healthz stays up`, async () => {
    const database = await createTestDatabase(kind, { migrated: true });
    const db = await openDatabase(database.config);
    const server = await startServer({ ...loadConfig(testEnv()), database: database.config }, createLogger({ level: 'silent' }), { db });
    try {
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      await db.close();
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'database_unavailable');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.close(100);
      await database.drop();
    }
  });
}
