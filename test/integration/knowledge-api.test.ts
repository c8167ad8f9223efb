// /api/v1/sources with API keys: text (with its citation link), pages, sitemaps and uploads;
// write scope for changes; another workspace's key sees and changes nothing; bad input is a
// clear 4xx with nothing stored; every change audited under the key's prefix.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_SOURCE_BYTES } from '../../server/knowledge/extract/extract-types.js';
import { searchKnowledge } from '../../server/knowledge/knowledge-search.js';
import { ADMIN_TEST_OPTIONS, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startFetchSite, type FetchSite } from '../support/fetch-site.js';
import { html, synced } from '../support/knowledge-ingest.js';
import { apiCall, auditEvents, fileForm, knowledgeRows, newApiKey } from '../support/knowledge-routes.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type Source = { id: string; kind: string; status: string; title: string; url: string | null; fileName: string | null };
const CITED = 'https://help.example.com/billing/refunds';

for (const kind of databaseKinds) {
  describe(`server API /api/v1/sources (${kind})`, () => {
    let site: FetchSite;
    let server: TestServer;
    let owner: AdminClient;
    let a: string;
    let b: string;
    let write: string;
    let read: string;
    let otherWrite: string;
    let text: Source;

    before(async () => {
      site = await startFetchSite({ host: '127.0.0.2' });
      site.route('/help/contact', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html('Contact', '<h1>Contact</h1><p>Call us on weekdays between nine and five.</p>')));
      server = await startTestServer(kind, { KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.2/32' }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: memoryMailer() } });
      owner = await newAdmin(server, 'Owner');
      a = (await newWorkspace(owner, 'A')).id;
      write = await newApiKey(owner, a, 'write');
      read = await newApiKey(owner, a, 'read');
      const other = await newAdmin(server, 'Other');
      b = (await newWorkspace(other, 'B')).id;
      otherWrite = await newApiKey(other, b, 'write');
    });
    after(async () => {
      await server?.stop();
      await site?.close();
    });

    test('POST text {title, content, url}: 202 with Location; synced; its citations link to url', async () => {
      const res = await apiCall(server, write, 'POST', '/sources', { title: 'Refunds', content: '# Refunds\n\nRefunds reach the original card within 14 days.', url: CITED });
      assert.equal(res.status, 202, res.text);
      text = res.body!.source as Source;
      assert.deepEqual([text.kind, text.status, text.title], ['text', 'pending', 'Refunds']);
      assert.equal(res.headers.get('location'), `/api/v1/sources/${text.id}`);
      assert.equal((await synced(server.db, a, text.id)).status, 'ready');

      const got = await apiCall(server, read, 'GET', `/sources/${text.id}`);
      assert.equal(got.status, 200, got.text);
      assert.equal((got.body!.source as Source).status, 'ready');
      assert.deepEqual((got.body!.documents as { url: string }[]).map((d) => d.url), [CITED]);
      const found = await searchKnowledge({ db: server.db }, { workspaceId: a, question: 'refund original card' });
      assert.equal(found.passages[0]?.url, CITED);

      const [event] = await auditEvents(server, a, 'knowledge.source_added');
      assert.match(event!.actor_label, /^api_key:pk_live_/);
      assert.deepEqual(event!.after, { kind: 'text' });
    });

    test('POST {url} and {url, sitemap: true}; multipart file; GET lists them newest first', async () => {
      const page = await apiCall(server, write, 'POST', '/sources', { url: `${site.origin}/help/contact` });
      assert.equal(page.status, 202, page.text);
      const sitemap = await apiCall(server, write, 'POST', '/sources', { url: `${site.origin}/sitemap.xml`, sitemap: true, title: 'Help centre', syncIntervalHours: 168 });
      assert.equal(sitemap.status, 202, sitemap.text);
      const upload = await apiCall(server, write, 'POST', '/sources', fileForm('opening-hours.md', '# Opening hours\n\nWeekdays 9 to 5.', { title: 'Hours' }));
      assert.equal(upload.status, 202, upload.text);
      const [p, s, f] = [page, sitemap, upload].map((r) => r.body!.source as Source);
      assert.deepEqual([p!.kind, p!.url], ['url', `${site.origin}/help/contact`]);
      assert.deepEqual([s!.kind, s!.title], ['sitemap', 'Help centre']);
      assert.deepEqual([f!.kind, f!.title, f!.fileName], ['file', 'Hours', 'opening-hours.md']);
      assert.equal((await synced(server.db, a, p!.id)).status, 'ready');
      assert.equal((await synced(server.db, a, f!.id)).status, 'ready');
      // The site has no sitemap: the source fails, saying so.
      assert.match((await synced(server.db, a, s!.id)).error ?? '', /404/);

      const list = await apiCall(server, read, 'GET', '/sources');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual((list.body!.sources as Source[]).map((x) => x.id), [f!.id, s!.id, p!.id, text.id]);
    });

    test('a read-scope key cannot add, re-sync or delete (403 insufficient_scope); nothing changes', async () => {
      const before = await knowledgeRows(server, a);
      for (const [method, path, body] of [
        ['POST', '/sources', { title: 'T', content: 'x' }],
        ['POST', '/sources', fileForm('a.md', '# A')],
        ['POST', `/sources/${text.id}/sync`, undefined],
        ['DELETE', `/sources/${text.id}`, undefined],
      ] as const) {
        const res = await apiCall(server, read, method, path, body);
        assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
        assert.equal(errorCode(res), 'insufficient_scope');
      }
      assert.equal((await apiCall(server, 'pk_live_not-a-key', 'GET', '/sources')).status, 401);
      assert.deepEqual(await knowledgeRows(server, a), before);
    });

    test("another workspace's key cannot see, re-sync or delete a source (404)", async () => {
      const before = await knowledgeRows(server, a);
      for (const [method, path] of [['GET', `/sources/${text.id}`], ['POST', `/sources/${text.id}/sync`], ['DELETE', `/sources/${text.id}`]] as const) {
        const res = await apiCall(server, otherWrite, method, path);
        assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
        assert.equal(errorCode(res), 'source_not_found');
      }
      assert.deepEqual((await apiCall(server, otherWrite, 'GET', '/sources')).body!.sources, []);
      assert.deepEqual(await knowledgeRows(server, a), before);
      assert.deepEqual(await knowledgeRows(server, b), { sources: 0, files: 0, documents: 0, chunks: 0 });
    });

    test('bad input is a clear 4xx and stores nothing', async () => {
      const before = await knowledgeRows(server, a);
      const cases: [string, unknown, number, string][] = [
        ['unknown field', { title: 'T', content: 'x', kind: 'text' }, 400, 'invalid_body'],
        ['unknown field on a URL', { url: 'https://example.com/', depth: 3 }, 400, 'invalid_body'],
        ['no title', { content: 'x' }, 400, 'invalid_body'],
        ['nothing', {}, 400, 'invalid_body'],
        ['an array', [], 400, 'invalid_body'],
        ['sitemap not boolean', { url: 'https://example.com/s.xml', sitemap: 'yes' }, 400, 'invalid_body'],
        ['blocked page', { url: 'http://10.0.0.1/' }, 400, 'blocked_url'],
        ['metadata sitemap', { url: 'http://169.254.169.254/', sitemap: true }, 400, 'blocked_url'],
        ['blocked citation link', { title: 'T', content: 'x', url: 'http://127.0.0.1/' }, 400, 'blocked_url'],
        ['javascript citation link', { title: 'T', content: 'x', url: 'javascript:alert(1)' }, 400, 'invalid_url'],
        ['oversized file', fileForm('big.md', 'a'.repeat(MAX_SOURCE_BYTES + 1)), 413, 'file_too_large'],
        ['wrong type', fileForm('slides.pptx', 'PK\u0003\u0004'), 415, 'unsupported_file_type'],
        ['binary text', fileForm('notes.txt', new Uint8Array([0, 1, 2, 3, 0])), 415, 'unsupported_file_type'],
      ];
      for (const [what, body, status, code] of cases) {
        const res = await apiCall(server, write, 'POST', '/sources', body);
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.equal(errorCode(res), code, `${what}: ${res.text}`);
      }
      for (const [method, path] of [['GET', '/sources/42'], ['POST', '/sources/nope/sync'], ['DELETE', '/sources/x']] as const) {
        const res = await apiCall(server, write, method, path);
        assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
        assert.equal(errorCode(res), 'invalid_id');
      }
      assert.deepEqual(await knowledgeRows(server, a), before);
    });

    test('POST :id/sync queues a sync (202); DELETE removes the source (204, then 404); both audited', async () => {
      const since = new Date();
      const sync = await apiCall(server, write, 'POST', `/sources/${text.id}/sync`);
      assert.equal(sync.status, 202, sync.text);
      assert.equal((await synced(server.db, a, text.id, since)).status, 'ready');
      const del = await apiCall(server, write, 'DELETE', `/sources/${text.id}`);
      assert.equal(del.status, 204, del.text);
      assert.equal((await apiCall(server, read, 'GET', `/sources/${text.id}`)).status, 404);
      assert.equal((await apiCall(server, write, 'DELETE', `/sources/${text.id}`)).status, 404);
      for (const action of ['knowledge.source_synced', 'knowledge.source_deleted']) {
        const [event] = await auditEvents(server, a, action);
        assert.equal(event?.target_id, text.id, action);
        assert.match(event!.actor_label, /^api_key:pk_live_/);
      }
      const [deleted] = await auditEvents(server, a, 'knowledge.source_deleted');
      assert.deepEqual(deleted!.before, { kind: 'text', documents: 1, chunks: 1 });
    });
  });
}
