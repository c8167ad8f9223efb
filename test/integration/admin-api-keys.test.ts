// API keys: created and revoked by admins, stored as hashes, and the /api/v1 they open.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { apiKeyAuth } from '../../server/api-keys/api-v1.auth.js';
import { RUNTIME_ROLE } from '../../server/config.js';
import { findApiKey, TenantGuardError, withTenant } from '../../server/db/tenant.js';
import { errorHandler } from '../../server/http/errors.js';
import type { Db } from '../../server/db/db.js';
import { scrubSecrets } from '../../server/logging.js';
import { ADMIN_TEST_OPTIONS, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { ownerQuery } from '../support/owner-query.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** n conversations with two messages each, written as the application would. */
async function seedConversations(db: Db, workspaceId: string, n: number): Promise<string[]> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows: [visitor] } = await q.query<{ id: string }>("INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, '\\x00') RETURNING id", [workspaceId]);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const { rows: [c] } = await q.query<{ id: string }>(
        "INSERT INTO conversations (workspace_id, visitor_id, created_at) VALUES ($1, $2, now() - make_interval(mins => $3)) RETURNING id",
        [workspaceId, visitor!.id, n - i],
      );
      await q.query(
        "INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $2, 'user', $3, now() - interval '1 second'), ($1, $2, 'assistant', 'hi', now())",
        [workspaceId, c!.id, `question ${i}`],
      );
      ids.push(c!.id);
    }
    return ids; // oldest first
  });
}

for (const kind of databaseKinds) {
  describe(`API keys and /api/v1 (${kind})`, () => {
    let server: TestServer;
    let owner: AdminClient;
    let a: string;
    let b: string;
    let aConversations: string[];
    let bConversations: string[];
    const secrets: string[] = [];

    before(async () => {
      // debug: request headers are logged, so redaction is what keeps keys out of the logs.
      server = await startTestServer(kind, { LOG_LEVEL: 'debug' }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: memoryMailer() } });
      owner = await newAdmin(server, 'Owner');
      a = (await newWorkspace(owner, 'A')).id;
      const other = await newAdmin(server, 'Other');
      b = (await newWorkspace(other, 'B')).id;
      aConversations = await seedConversations(server.db, a, 3);
      bConversations = await seedConversations(server.db, b, 1);
    });
    after(() => server?.stop());

    async function createKey(scope: 'read' | 'write', name = `${scope} key`) {
      const res = await owner.call('POST', `/workspaces/${a}/api-keys`, { name, scope });
      assert.equal(res.status, 201, res.text);
      const secret = res.body!.secret as string;
      secrets.push(secret);
      return { id: (res.body!.apiKey as { id: string }).id, secret, body: res.body! };
    }

    const v1 = (secret: string | undefined, method: string, path: string) =>
      fetch(`${server.url}/api/v1${path}`, { method, headers: secret === undefined ? {} : { authorization: `Bearer ${secret}` } });

    test('a new key: the secret once in the 201, only its SHA-256 in the database, audited', async () => {
      const { id, secret, body } = await createKey('read', 'CRM sync');
      assert.match(secret, /^pk_live_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual(Object.keys(body.apiKey as object).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scope']);
      assert.equal((body.apiKey as { prefix: string }).prefix, secret.slice(0, 12));
      const hash = createHash('sha256').update(secret).digest();

      const list = await owner.call('GET', `/workspaces/${a}/api-keys`);
      assert.equal(list.status, 200);
      assert.ok(!list.text.includes(secret.slice(12)), 'the list never shows the secret');
      assert.ok(!list.text.includes(hash.toString('hex')) && !list.text.includes(hash.toString('base64')), 'nor its hash');
      const listed = (list.body!.apiKeys as { id: string; name: string; scope: string }[]).find((k) => k.id === id)!;
      assert.equal(listed.name, 'CRM sync');
      assert.equal(listed.scope, 'read');

      const { rows } = await ownerQuery<{ key_hash: Uint8Array; row: string }>(server, 'SELECT key_hash, row_to_json(k)::text AS row FROM api_keys k WHERE id = $1', [id]);
      assert.deepEqual(Buffer.from(rows[0]!.key_hash), hash);
      assert.ok(!rows[0]!.row.includes(secret.slice(12)), 'no column holds the secret');

      const audit = await ownerQuery<{ actor_account_id: string; after: Record<string, unknown> }>(server,
        "SELECT actor_account_id, after FROM audit_events WHERE workspace_id = $1 AND action = 'api_key.created' AND target_id = $2", [a, id]);
      assert.equal(audit.rows[0]!.actor_account_id, owner.accountId);
      assert.deepEqual(audit.rows[0]!.after, { name: 'CRM sync', scope: 'read', prefix: secret.slice(0, 12) });
    });

    test('bad input is a 400 and creates nothing', async () => {
      const count = async () => (await ownerQuery<{ n: number }>(server, 'SELECT count(*)::int AS n FROM api_keys')).rows[0]!.n;
      const n = await count();
      for (const body of [{ name: '', scope: 'read' }, { name: 'x', scope: 'admin' }, { name: 'x' }, { name: 'x', scope: 'read', extra: 1 }, { name: 'x'.repeat(101), scope: 'write' }]) {
        const res = await owner.call('POST', `/workspaces/${a}/api-keys`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(errorCode(res), 'invalid_body');
      }
      assert.equal((await owner.call('DELETE', `/workspaces/${a}/api-keys/not-an-id`)).status, 400);
      assert.equal(errorCode(await owner.call('DELETE', `/workspaces/${a}/api-keys/${randomUUID()}`)), 'api_key_not_found');
      assert.equal(await count(), n);
    });

    test('a read key lists and reads its workspace\'s conversations, paged, and sets last_used_at', async () => {
      const { id, secret } = await createKey('read');
      const first = await v1(secret, 'GET', '/conversations?limit=2');
      assert.equal(first.status, 200);
      const page1 = (await first.json()) as { conversations: { id: string; messageCount: number; createdAt: string; updatedAt: string }[]; nextCursor: string | null };
      assert.deepEqual(page1.conversations.map((c) => c.id), [aConversations[2], aConversations[1]]);
      assert.equal(page1.conversations[0]!.messageCount, 2);
      assert.deepEqual(Object.keys(page1.conversations[0]!).sort(), ['createdAt', 'id', 'messageCount', 'updatedAt']);
      assert.ok(page1.nextCursor);
      const page2 = (await (await v1(secret, 'GET', `/conversations?limit=2&cursor=${page1.nextCursor}`)).json()) as typeof page1;
      assert.deepEqual(page2.conversations.map((c) => c.id), [aConversations[0]]);
      assert.equal(page2.nextCursor, null);

      const one = await v1(secret, 'GET', `/conversations/${aConversations[0]}`);
      const body = (await one.json()) as { conversation: { id: string }; messages: { role: string; content: string }[] };
      assert.equal(body.conversation.id, aConversations[0]);
      assert.deepEqual(body.messages.map((m) => [m.role, m.content]), [['user', 'question 0'], ['assistant', 'hi']]);

      assert.equal((await v1(secret, 'GET', '/conversations?cursor=bogus')).status, 400);
      assert.equal((await v1(secret, 'GET', '/conversations?limit=0')).status, 400);
      assert.equal((await v1(secret, 'GET', '/conversations/nope')).status, 400);

      const listed = (await owner.call('GET', `/workspaces/${a}/api-keys`)).body!.apiKeys as { id: string; lastUsedAt: string | null }[];
      const lastUsed = listed.find((k) => k.id === id)!.lastUsedAt;
      assert.ok(lastUsed && Date.now() - Date.parse(lastUsed) < 60_000, `lastUsedAt ${lastUsed}`);
      // Within the minute, further requests do not write it again.
      await v1(secret, 'GET', '/conversations');
      const again = (await owner.call('GET', `/workspaces/${a}/api-keys`)).body!.apiKeys as { id: string; lastUsedAt: string | null }[];
      assert.equal(again.find((k) => k.id === id)!.lastUsedAt, lastUsed);
    });

    test('no key, a malformed key or an unknown key is a 401 with WWW-Authenticate: Bearer', async () => {
      for (const secret of [undefined, 'nonsense', `pk_live_${'A'.repeat(43)}`]) {
        const res = await v1(secret, 'GET', '/conversations');
        assert.equal(res.status, 401, String(secret));
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
      }
    });

    test('scope: a read key cannot delete (403 insufficient_scope); a write key can, audited as the key', async () => {
      const read = await createKey('read');
      const refused = await v1(read.secret, 'DELETE', `/conversations/${aConversations[0]}`);
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'insufficient_scope');
      assert.equal((await v1(read.secret, 'GET', `/conversations/${aConversations[0]}`)).status, 200, 'still there');

      const write = await createKey('write');
      assert.equal((await v1(write.secret, 'DELETE', `/conversations/${aConversations[0]}`)).status, 204);
      assert.equal((await v1(write.secret, 'GET', `/conversations/${aConversations[0]}`)).status, 404);
      assert.equal((await v1(write.secret, 'DELETE', `/conversations/${aConversations[0]}`)).status, 404);
      const { rows } = await ownerQuery<{ n: number }>(server, 'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [aConversations[0]]);
      assert.equal(rows[0]!.n, 0, 'its messages went with it');
      const audit = await ownerQuery<{ actor_label: string; actor_account_id: string | null }>(server, 
        "SELECT actor_label, actor_account_id FROM audit_events WHERE workspace_id = $1 AND action = 'conversation.deleted' AND target_id = $2", [a, aConversations[0]]);
      assert.deepEqual(audit.rows, [{ actor_label: `api_key:${write.secret.slice(0, 12)}`, actor_account_id: null }]);
    });

    test('a revoked key stops working at once and stays listed as revoked', async () => {
      const { id, secret } = await createKey('write');
      assert.equal((await v1(secret, 'GET', '/conversations')).status, 200);
      assert.equal((await owner.call('DELETE', `/workspaces/${a}/api-keys/${id}`)).status, 204);
      const res = await v1(secret, 'GET', '/conversations');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
      const listed = ((await owner.call('GET', `/workspaces/${a}/api-keys`)).body!.apiKeys as { id: string; revokedAt: string | null }[]).find((k) => k.id === id);
      assert.ok(listed?.revokedAt);
      assert.equal((await owner.call('DELETE', `/workspaces/${a}/api-keys/${id}`)).status, 204, 'revoking again is a no-op');
      const audit = await ownerQuery(server, "SELECT 1 FROM audit_events WHERE workspace_id = $1 AND action = 'api_key.revoked' AND target_id = $2", [a, id]);
      assert.equal(audit.rows.length, 1);
    });

    test('a key of workspace A cannot see or delete B\'s conversation, nor revoke from B', async () => {
      const { secret, id } = await createKey('write');
      assert.equal((await v1(secret, 'GET', `/conversations/${bConversations[0]}`)).status, 404);
      assert.equal((await v1(secret, 'DELETE', `/conversations/${bConversations[0]}`)).status, 404);
      const list = (await (await v1(secret, 'GET', '/conversations?limit=100')).json()) as { conversations: { id: string }[] };
      assert.ok(!list.conversations.some((c) => c.id === bConversations[0]));
      const { rows } = await ownerQuery(server, 'SELECT 1 FROM conversations WHERE id = $1', [bConversations[0]]);
      assert.equal(rows.length, 1, 'B\'s conversation is untouched');
      // A's admin names A's key under B: not a member there.
      assert.equal((await owner.call('DELETE', `/workspaces/${b}/api-keys/${id}`)).status, 404);
    });

    test('requests are counted per key: over the limit is a 429 with Retry-After, other keys go on', async () => {
      // The same middleware /api/v1 mounts, with a limit of 2 a minute instead of 600.
      const app = express().get('/', apiKeyAuth(server.db, { prefix: `test:${randomUUID()}`, perMinute: 2 }), (_req, res) => res.json({ ok: true })).use(errorHandler);
      const http = app.listen(0, '127.0.0.1');
      await once(http, 'listening');
      try {
        const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
        const get = (secret: string) => fetch(url, { headers: { authorization: `Bearer ${secret}` } });
        const [busy, other] = [await createKey('read'), await createKey('read')];
        assert.deepEqual([(await get(busy.secret)).status, (await get(busy.secret)).status], [200, 200]);
        const limited = await get(busy.secret);
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers.get('retry-after')) >= 1);
        assert.equal((await get(other.secret)).status, 200);
      } finally {
        http.close();
      }
    });

    test('the lookup by hash shows that one key row and nothing else', async () => {
      const { id, secret } = await createKey('read');
      const hash = createHash('sha256').update(secret).digest();
      assert.equal((await findApiKey(server.db, hash))?.id, id);
      assert.equal(await findApiKey(server.db, createHash('sha256').update('other').digest()), undefined);
      const visible = await server.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
        await tx.query("SELECT set_config('app.api_key_hash', $1, true)", [hash.toString('hex')]);
        const count = async (table: string) => (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
        return { keys: await count('api_keys'), conversations: await count('conversations'), audit: await count('audit_events') };
      });
      assert.deepEqual(visible, { keys: 1, conversations: 0, audit: 0 });
      await assert.rejects(
        server.db.transaction(async (tx) => {
          await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
          await tx.query("SELECT set_config('app.api_key_hash', $1, true)", [hash.toString('hex')]);
          const { rowCount } = await tx.query('UPDATE api_keys SET revoked_at = NULL, scope = $1', ['write']);
          if (rowCount === 0) throw new Error('read-only: no row to update');
        }),
        /read-only/,
      );
      await assert.rejects(withTenant(server.db, a, (q) => q.query("SELECT set_config('app.api_key_hash', 'ab', true)")), TenantGuardError);
    });

    test('no secret reaches the logs', async () => {
      const { secret } = await createKey('read');
      await fetch(`${server.url}/api/v1/conversations?key=${secret}`, { headers: { authorization: `Bearer ${secret}`, 'x-parley-key': secret } });
      assert.equal(scrubSecrets(`key ${secret} end`), 'key [redacted] end');
      const logs = server.logs.join('');
      assert.ok(logs.includes('/api/v1/conversations'), 'the requests were logged');
      for (const s of secrets) assert.ok(!logs.includes(s.slice(12)), `secret ${s.slice(0, 12)}… in the logs`);
    });
  });
}
