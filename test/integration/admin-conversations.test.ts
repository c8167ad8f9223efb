// Conversations in the admin panel: list, search, open, delete, wipe, and the streamed
// CSV/JSON exports, including the full workspace export, on every database kind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { insertAssistantMessage } from '../../server/chat/chat.repo.js';
import type { Db } from '../../server/db/db.js';
import { withTenant } from '../../server/db/tenant.js';
import { ADMIN_TEST_OPTIONS, addMember, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Inserts one visitor and a conversation per entry (messages in order), updated_at as given (seconds ago). */
async function seedConversations(db: Db, workspaceId: string, items: { ago: number; messages: string[] }[]): Promise<string[]> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows: [visitor] } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [workspaceId, randomBytes(32)]);
    const ids: string[] = [];
    for (const item of items) {
      const { rows: [c] } = await q.query<{ id: string }>(
        `INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at)
         VALUES ($1, $2, now() - make_interval(secs => $3), now() - make_interval(secs => $3)) RETURNING id`,
        [workspaceId, visitor!.id, item.ago],
      );
      for (const [i, content] of item.messages.entries()) {
        await q.query(
          `INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5))`,
          [workspaceId, c!.id, i % 2 === 0 ? 'user' : 'assistant', content, item.ago - i * 0.001],
        );
      }
      ids.push(c!.id);
    }
    return ids;
  });
}

async function counts(db: Db, workspaceId: string) {
  return withTenant(db, workspaceId, async (q) => {
    const n = async (table: string) => (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId])).rows[0]!.n;
    return { conversations: await n('conversations'), messages: await n('messages'), visitors: await n('visitors') };
  });
}

async function auditOf(db: Db, workspaceId: string, action: string) {
  return withTenant(db, workspaceId, async (q) => (await q.query<{ target_id: string; after: Record<string, unknown> }>(
    'SELECT target_id, after FROM audit_events WHERE workspace_id = $1 AND action = $2 ORDER BY id', [workspaceId, action])).rows);
}

/** RFC 4180: quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += ch;
  }
  assert.ok(field === '' && row.length === 0, 'the last record ends with CRLF');
  return rows;
}

/** A CSV body, checking for the UTF-8 byte order mark (which fetch's text() would silently drop). */
async function csvText(res: Response): Promise<string> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(3));
}

for (const kind of databaseKinds) {
  describe(`admin conversations (${kind})`, () => {
    const mailer = memoryMailer();
    let server: TestServer;
    let owner: AdminClient;
    let admin: AdminClient;
    let a: string;
    let b: string;
    const get = async (path: string, signal?: AbortSignal): Promise<Response> => {
      const send = () => fetch(`${server.url}/api/admin${path}`, { headers: { cookie: `__Host-parley_session=${owner.token}`, origin: server.url }, signal });
      // A pooled keep-alive socket the server closed while a slow seed ran fails once before any request is sent.
      return send().catch((err: unknown) => (signal?.aborted ? Promise.reject(err) : send()));
    };

    before(async () => {
      server = await startTestServer(kind, {}, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      owner = await newAdmin(server, 'Owner');
      a = (await newWorkspace(owner, 'A')).id;
      b = (await newWorkspace(owner, 'B')).id;
      admin = await addMember(server, mailer, owner, a, 'admin');
    });
    after(() => server?.stop());

    test('lists newest first, pages without duplicates or gaps, and searches only its workspace', async () => {
      const ws = (await newWorkspace(owner, 'List')).id;
      // Two share an updated_at: the id decides, and paging must not lose either.
      const ids = await seedConversations(server.db, ws, [0, 5, 5, 9, 2, 7, 1].map((ago, i) => ({ ago, messages: [`question ${i}`, `answer ${i}`] })));
      await seedConversations(server.db, b, [{ ago: 0, messages: ['other workspace'] }]);
      const expected = await withTenant(server.db, ws, async (q) =>
        (await q.query<{ id: string }>('SELECT id FROM conversations WHERE workspace_id = $1 ORDER BY updated_at DESC, id DESC', [ws])).rows.map((r) => r.id));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await owner.call('GET', `/workspaces/${ws}/conversations?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, res.text);
        const page = res.body!.conversations as { id: string; messageCount: number; preview: string; visitorId: string }[];
        assert.ok(page.length <= 3);
        for (const c of page) assert.equal(c.messageCount, 2);
        seen.push(...page.map((c) => c.id));
        cursor = res.body!.nextCursor as string | null;
      } while (cursor);
      assert.deepEqual(seen, expected);
      assert.equal(new Set(seen).size, ids.length);
      const first = await owner.call('GET', `/workspaces/${ws}/conversations`);
      assert.equal((first.body!.conversations as { preview: string }[])[0]!.preview, 'question 0');
      assert.equal(first.body!.nextCursor, null);
    });

    test('search is case-insensitive, treats % and _ literally, and stays in its workspace', async () => {
      const ws = (await newWorkspace(owner, 'Search')).id;
      const [hit] = await seedConversations(server.db, ws, [
        { ago: 1, messages: ['hello', 'We are 100% Sure_Thing here'] },
        { ago: 2, messages: ['100 percent sureXthing'] },
        { ago: 3, messages: ['nothing'] },
      ]);
      await seedConversations(server.db, b, [{ ago: 0, messages: ['100% sure_thing in B'] }]);
      for (const q of ['100% SURE_thing', 'sure_', '0%']) {
        const res = await owner.call('GET', `/workspaces/${ws}/conversations?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual((res.body!.conversations as { id: string }[]).map((c) => c.id), [hit], q);
      }
      for (const bad of ['limit=0', 'limit=101', 'limit=x', 'cursor=bm9wZQ', 'q=' + 'x'.repeat(201)]) {
        const res = await owner.call('GET', `/workspaces/${ws}/conversations?${bad}`);
        assert.equal(res.status, 400, bad);
        assert.match(errorCode(res)!, /invalid_(query|cursor)/);
      }
    });

    test('opens one with its messages in order; another workspace\'s is 404', async () => {
      const [id] = await seedConversations(server.db, a, [{ ago: 0, messages: ['one', 'two', 'three'] }]);
      const res = await owner.call('GET', `/workspaces/${a}/conversations/${id}`);
      assert.equal(res.status, 200, res.text);
      assert.equal((res.body!.conversation as { id: string }).id, id);
      assert.deepEqual((res.body!.messages as { content: string; role: string }[]).map((m) => [m.role, m.content]), [['user', 'one'], ['assistant', 'two'], ['user', 'three']]);
      const [other] = await seedConversations(server.db, b, [{ ago: 0, messages: ['b'] }]);
      assert.equal((await owner.call('GET', `/workspaces/${a}/conversations/${other}`)).status, 404);
      assert.equal((await owner.call('GET', `/workspaces/${a}/conversations/not-an-id`)).status, 400);
    });

    test('an admin deletes one conversation for real, audited with counts and no content; a late reply stores nothing', async () => {
      const [gone, kept] = await seedConversations(server.db, a, [{ ago: 0, messages: ['secret question', 'secret answer'] }, { ago: 1, messages: ['keep me'] }]);
      const [foreign] = await seedConversations(server.db, b, [{ ago: 0, messages: ['b stays'] }]);
      const before = await counts(server.db, a);
      assert.equal((await admin.call('DELETE', `/workspaces/${a}/conversations/${foreign}`)).status, 404);
      const res = await admin.call('DELETE', `/workspaces/${a}/conversations/${gone}`);
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(await counts(server.db, a), { ...before, conversations: before.conversations - 1, messages: before.messages - 2 });
      assert.equal((await owner.call('GET', `/workspaces/${a}/conversations/${kept}`)).status, 200);
      assert.equal((await counts(server.db, b)).conversations > 0, true);
      assert.equal((await owner.call('GET', `/workspaces/${b}/conversations/${foreign}`)).status, 200);
      const audit = (await auditOf(server.db, a, 'conversation.deleted')).filter((e) => e.target_id === gone);
      assert.deepEqual(audit.map((e) => e.after), [{ messages: 2 }]);
      assert.doesNotMatch(JSON.stringify(audit), /secret/);
      assert.equal(await insertAssistantMessage(server.db, { workspaceId: a, conversationId: gone! }, { content: 'late', status: 'complete', model: 'm' }), undefined);
      assert.equal((await admin.call('DELETE', `/workspaces/${a}/conversations/${gone}`)).status, 404);
    });

    test('wipe needs the exact confirmation, then deletes every conversation, message and visitor of this workspace only', async () => {
      const ws = (await newWorkspace(owner, 'Wipe')).id;
      await seedConversations(server.db, ws, [{ ago: 0, messages: ['x', 'y'] }, { ago: 1, messages: ['z'] }]);
      await seedConversations(server.db, ws, [{ ago: 2, messages: [] }]);
      const otherBefore = await counts(server.db, b);
      const before = await counts(server.db, ws);
      for (const body of [{ confirm: 'delete all conversation' }, { confirm: 'DELETE ALL CONVERSATIONS' }, {}, { confirm: 'delete all conversations', extra: 1 }]) {
        const res = await owner.call('POST', `/workspaces/${ws}/conversations/wipe`, body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(errorCode(res)!, /confirmation_mismatch|invalid_body/);
      }
      assert.deepEqual(await counts(server.db, ws), before);
      const res = await owner.call('POST', `/workspaces/${ws}/conversations/wipe`, { confirm: 'delete all conversations' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { deleted: { conversations: 3, messages: 3, visitors: 2 } });
      assert.deepEqual(await counts(server.db, ws), { conversations: 0, messages: 0, visitors: 0 });
      assert.deepEqual(await counts(server.db, b), otherBefore);
      assert.deepEqual((await auditOf(server.db, ws, 'conversations.wiped')).map((e) => e.after), [{ conversations: 3, messages: 3, visitors: 2 }]);
    });

    test('CSV export is RFC 4180, defuses formulas, and holds exactly this workspace\'s messages', async () => {
      const ws = (await newWorkspace(owner, 'Csv')).id;
      const tricky = ['=HYPERLINK("http://evil")', 'he said "hi", then\r\nleft', '+1', '@SUM(A1)', '-2', 'plain'];
      const [id] = await seedConversations(server.db, ws, [{ ago: 0, messages: tricky }]);
      const [empty] = await seedConversations(server.db, ws, [{ ago: 5, messages: [] }]);
      const res = await get(`/workspaces/${ws}/conversations/export?format=csv`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/csv/);
      assert.match(res.headers.get('content-disposition')!, /^attachment; filename="parley-conversations-[\w-]+\.csv"$/);
      assert.equal(res.headers.get('x-parley-export-total'), '2');
      const [header, ...rows] = parseCsv(await csvText(res));
      assert.deepEqual(header, ['conversation_id', 'visitor_id', 'conversation_created_at', 'message_id', 'message_created_at', 'role', 'status', 'content']);
      assert.deepEqual(rows.map((r) => [r[0], r[7]]), [
        [empty, ''],
        ...['\'=HYPERLINK("http://evil")', 'he said "hi", then\r\nleft', "'+1", "'@SUM(A1)", "'-2", 'plain'].map((c) => [id, c]),
      ]);
      assert.equal((await auditOf(server.db, ws, 'conversations.exported')).length, 1);
      const bad = await owner.call('GET', `/workspaces/${ws}/conversations/export?format=xml`);
      assert.equal(bad.status, 400);
      assert.equal(errorCode(bad), 'invalid_query');
    });

    test('JSON exports hold exactly the workspace\'s data and no secrets', async () => {
      const ws = (await newWorkspace(owner, 'Json')).id;
      const ids = await seedConversations(server.db, ws, [{ ago: 0, messages: ['hi', 'hello'] }, { ago: 3, messages: ['bye'] }]);
      await seedConversations(server.db, b, [{ ago: 0, messages: ['not mine'] }]);
      await withTenant(server.db, ws, async (q) => {
        await q.query("INSERT INTO api_keys (workspace_id, name, scope, key_hash, prefix) VALUES ($1, 'ci', 'read', $2, 'pk_x')", [ws, randomBytes(32)]);
        await q.query("INSERT INTO provider_keys (workspace_id, provider, key_id, nonce, ciphertext, last4) VALUES ($1, 'mistral', 'm1', $2, $3, 'abcd')", [ws, randomBytes(12), randomBytes(48)]);
      });
      const conv = await get(`/workspaces/${ws}/conversations/export?format=json`);
      assert.equal(conv.status, 200);
      const convDoc = JSON.parse(await conv.text()) as { conversations: { id: string; messages: { content: string }[] }[] };
      assert.deepEqual(convDoc.conversations.map((c) => c.id).sort(), [...ids].sort());

      const full = await get(`/workspaces/${ws}/export`);
      assert.equal(full.status, 200);
      assert.match(full.headers.get('content-disposition')!, /^attachment; filename="parley-workspace-[\w-]+\.json"$/);
      assert.equal(full.headers.get('x-parley-export-total'), '2');
      const text = await full.text();
      assert.doesNotMatch(text, /key_hash|keyHash|ciphertext|nonce|password_hash|passwordHash|secret_hash|not mine/i);
      type Doc = {
        workspace: { id: string };
        totals: unknown;
        providerKey: Record<string, unknown>;
        apiKeys: Record<string, unknown>[];
        members: { email: string }[];
        conversations: { id: string; messages: { content: string }[] }[];
        auditLog: { action: string }[];
      };
      const doc = JSON.parse(text) as Doc;
      assert.deepEqual(Object.keys(doc), ['exportedAt', 'totals', 'workspace', 'settings', 'members', 'invitations', 'apiKeys', 'providerKey', 'conversations', 'auditLog', 'knowledge']);
      assert.equal(doc.workspace.id, ws);
      assert.deepEqual(doc.totals, { conversations: 2, messages: 3 });
      assert.deepEqual(doc.providerKey.last4, 'abcd');
      assert.deepEqual(Object.keys(doc.providerKey).sort(), ['last4', 'provider', 'updatedAt']);
      assert.deepEqual(doc.apiKeys.map((k) => Object.keys(k).sort()), [['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scope']]);
      assert.deepEqual(doc.members.map((m) => m.email), [owner.email]);
      const byId = new Map(doc.conversations.map((c) => [c.id, c.messages.map((m) => m.content)]));
      assert.deepEqual(byId, new Map([[ids[0], ['hi', 'hello']], [ids[1], ['bye']]]));
      assert.ok(doc.auditLog.some((e) => e.action === 'conversations.exported'));
      assert.equal((await auditOf(server.db, ws, 'workspace.exported')).length, 1);
    });

    test('a large export streams in chunks, and a client leaving mid-export leaves the server and data intact', async (t) => {
      const ws = (await newWorkspace(owner, 'Large')).id;
      await withTenant(server.db, ws, async (q) => {
        const { rows: [v] } = await q.query<{ id: string }>('INSERT INTO visitors (workspace_id, secret_hash) VALUES ($1, $2) RETURNING id', [ws, randomBytes(32)]);
        await q.query(
          `INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at)
           SELECT $1, $2, now() - g * interval '1 second', now() - g * interval '1 second' FROM generate_series(1, 2000) g`, [ws, v!.id]);
        await q.query(
          `INSERT INTO messages (workspace_id, conversation_id, role, content, created_at)
           SELECT $1, c.id, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'assistant' END, repeat('Lorem ipsum dolor sit amet. ', 8) || g, c.created_at + g * interval '1 ms'
             FROM conversations c CROSS JOIN generate_series(1, 5) g WHERE c.workspace_id = $1`, [ws]);
      });
      const started = performance.now();
      const res = await get(`/workspaces/${ws}/export`);
      assert.equal(res.headers.get('x-parley-export-total'), '2000');
      let chunks = 0;
      let bytes = 0;
      const parts: Uint8Array[] = [];
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        chunks++;
        bytes += chunk.length;
        parts.push(chunk);
      }
      const seconds = (performance.now() - started) / 1000;
      const doc = JSON.parse(Buffer.concat(parts).toString('utf8')) as { conversations: { messages: unknown[] }[] };
      assert.equal(doc.conversations.length, 2000);
      assert.equal(doc.conversations.reduce((n, c) => n + c.messages.length, 0), 10_000);
      assert.ok(chunks > 1, `${chunks} chunks`);
      t.diagnostic(`${kind}: full export of 2000 conversations × 5 messages: ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${(bytes / 1e6 / seconds).toFixed(1)} MB/s, ${Math.round(2000 / seconds)} conversations/s, ${chunks} chunks`);

      const abort = new AbortController();
      const partial = await get(`/workspaces/${ws}/conversations/export?format=csv`, abort.signal);
      const reader = partial.body!.getReader();
      assert.ok(!(await reader.read()).done);
      abort.abort();
      await reader.cancel().catch(() => {});
      const next = await owner.call('GET', `/workspaces/${ws}/conversations?limit=1`);
      assert.equal(next.status, 200, next.text);
      assert.deepEqual(await counts(server.db, ws), { conversations: 2000, messages: 10_000, visitors: 1 });
      const again = await get(`/workspaces/${ws}/conversations/export?format=csv`);
      assert.equal(parseCsv(await csvText(again)).length, 10_001);
    });
  });
}
