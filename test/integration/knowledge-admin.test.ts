// The admin panel's Knowledge routes on the real server: sources of every kind added, synced
// by the job queue, changed, re-synced and deleted; settings; the test console; roles,
// other workspaces, bad input (nothing stored), rate limits and the audit trail.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { MAX_SOURCE_BYTES } from '../../server/knowledge/extract/extract-types.js';
import { KNOWLEDGE_RATE_LIMITS } from '../../server/knowledge/knowledge-limits.js';
import { MAX_SOURCES_PER_WORKSPACE, MAX_TEXT_BYTES } from '../../server/knowledge/knowledge.schema.js';
import { withTenant } from '../../server/db/tenant.js';
import { ADMIN_TEST_OPTIONS, addMember, errorCode, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { startFetchSite, type FetchSite } from '../support/fetch-site.js';
import { textPdf } from '../support/knowledge-documents.js';
import { html, jobsIdle, synced } from '../support/knowledge-ingest.js';
import { adminSend, auditEvents, fileForm, knowledgeRows } from '../support/knowledge-routes.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const REFUND_TEXT = '# Billing\n\n## Refunds\n\nRefunds reach the original card within 14 days of the returned parcel arriving at our warehouse.';
type Source = { id: string; kind: string; status: string; title: string; url: string | null; fileName: string | null; fileSize: number | null; chunkCount: number; syncIntervalHours: number | null; nextSyncAt: string | null };

for (const kind of databaseKinds) {
  describe(`admin knowledge routes (${kind})`, () => {
    const mailer = memoryMailer();
    let fake: FakeMistral;
    let site: FetchSite;
    let server: TestServer;
    let owner: AdminClient;
    let viewer: AdminClient;
    let member: AdminClient;
    let outsider: AdminClient;
    let ws: string;
    let elsewhere: string;
    const base = (id = ws) => `/workspaces/${id}/knowledge`;
    const add = (body: unknown, as = owner, id = ws) => as.call('POST', `${base(id)}/sources`, body);

    before(async () => {
      fake = await startFakeMistral();
      site = await startFetchSite({ host: '127.0.0.2' });
      site.route('/help/shipping', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html('Shipping', '<h1>Shipping</h1><h2>Delivery</h2><p>Parcels arrive within two to four working days.</p>')));
      server = await startTestServer(kind, { MISTRAL_API_KEY: 'operator-key-0123456789', MISTRAL_SERVER_URL: fake.url, KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.2/32' }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer } });
      owner = await newAdmin(server, 'Owner');
      ws = (await newWorkspace(owner, 'Knowing')).id;
      viewer = await addMember(server, mailer, owner, ws, 'viewer');
      member = await addMember(server, mailer, owner, ws, 'member');
      outsider = await newAdmin(server, 'Outsider');
      elsewhere = (await newWorkspace(outsider, 'Elsewhere')).id;
    });
    after(async () => {
      await server?.stop();
      await site?.close();
      await fake?.close();
    });

    let textSource: Source;

    test('pasted text: 202 pending, synced by the job queue, listed, detailed, and audited without its content', async () => {
      const res = await add({ kind: 'text', title: 'Billing help', content: REFUND_TEXT });
      assert.equal(res.status, 202, res.text);
      textSource = res.body!.source as Source;
      assert.equal(textSource.kind, 'text');
      assert.equal(textSource.status, 'pending');
      assert.deepEqual(Object.keys(textSource).sort(), ['chunkCount', 'createdAt', 'documentCount', 'error', 'failedCount', 'fileName', 'fileSize', 'id', 'kind', 'lastSyncedAt', 'nextSyncAt', 'progress', 'status', 'syncIntervalHours', 'title', 'updatedAt', 'url']);
      const ready = await synced(server.db, ws, textSource.id);
      assert.equal(ready.status, 'ready', ready.error ?? '');

      const list = await viewer.call('GET', `${base()}/sources`);
      assert.equal(list.status, 200, list.text);
      assert.deepEqual((list.body!.sources as Source[]).map((s) => s.id), [textSource.id]);
      const detail = await member.call('GET', `${base()}/sources/${textSource.id}`);
      assert.equal(detail.status, 200, detail.text);
      assert.equal((detail.body!.source as Source).status, 'ready');
      const docs = detail.body!.documents as { title: string; status: string; chunkCount: number; url: string | null }[];
      assert.equal(docs.length, 1);
      assert.equal(docs[0]!.status, 'ready');
      assert.ok(docs[0]!.chunkCount > 0);
      assert.equal((await viewer.call('GET', `${base()}/sources/${textSource.id}?status=failed`)).body!.documents instanceof Array, true);

      const [event] = await auditEvents(server, ws, 'knowledge.source_added');
      assert.equal(event!.target_id, textSource.id);
      assert.equal(event!.actor_label, owner.email);
      assert.deepEqual(event!.after, { kind: 'text' });
    });

    test('a web page by URL and an uploaded PDF (multipart) are fetched or read and chunked', async () => {
      const page = await add({ kind: 'url', url: `${site.origin}/help/shipping`, syncIntervalHours: 24 });
      assert.equal(page.status, 202, page.text);
      const pageSource = page.body!.source as Source;
      assert.equal(pageSource.title, `${site.origin.replace('http://', '')}/help/shipping`);
      assert.equal(pageSource.syncIntervalHours, 24);
      assert.ok(pageSource.nextSyncAt);

      const pdf = await textPdf({ pages: 2 });
      const upload = await adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('Acme handbook.pdf', pdf, { title: 'Handbook' }, 'application/pdf'));
      assert.equal(upload.status, 202, upload.text);
      const file = upload.body!.source as Source;
      assert.deepEqual([file.kind, file.title, file.fileName, file.fileSize], ['file', 'Handbook', 'Acme handbook.pdf', pdf.byteLength]);

      for (const s of [pageSource, file]) {
        const done = await synced(server.db, ws, s.id);
        assert.equal(done.status, 'ready', `${s.kind}: ${done.error}`);
        assert.ok(done.chunkCount > 0);
      }
      // Without a title the file's name is the title.
      const faq = '# FAQ\n\nAnswers.';
      const untitled = await adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('faq.md', faq));
      assert.equal(untitled.status, 202, untitled.text);
      assert.equal((untitled.body!.source as Source).title, 'faq');
      assert.equal((await synced(server.db, ws, (untitled.body!.source as Source).id)).status, 'ready');
      assert.deepEqual((await auditEvents(server, ws, 'knowledge.source_added')).map((e) => e.after), [
        { kind: 'text' }, { kind: 'url', syncIntervalHours: 24 }, { kind: 'file', fileSize: pdf.byteLength }, { kind: 'file', fileSize: Buffer.byteLength(faq) },
      ]);
    });

    test('bad input is a clear 4xx and stores nothing', async () => {
      const before = await knowledgeRows(server, ws);
      const cases: [string, () => Promise<{ status: number; text: string; body: Record<string, unknown> | undefined }>, number, string][] = [
        ['unknown field', () => add({ kind: 'text', title: 'T', content: 'x', secret: 1 }), 400, 'invalid_body'],
        ['no kind', () => add({ title: 'T', content: 'x' }), 400, 'invalid_body'],
        ['file kind as JSON', () => add({ kind: 'file', title: 'T' }), 400, 'invalid_body'],
        ['empty title', () => add({ kind: 'text', title: '  ', content: 'x' }), 400, 'invalid_body'],
        ['empty content', () => add({ kind: 'text', title: 'T', content: ' ' }), 400, 'invalid_body'],
        ['title too long', () => add({ kind: 'text', title: 'x'.repeat(301), content: 'x' }), 400, 'invalid_body'],
        ['text too large', () => add({ kind: 'text', title: 'Big', content: 'x'.repeat(MAX_TEXT_BYTES + 1) }), 413, 'content_too_large'],
        ['loopback URL', () => add({ kind: 'url', url: 'http://127.0.0.1:9/' }), 400, 'blocked_url'],
        ['metadata URL', () => add({ kind: 'url', url: 'http://169.254.169.254/latest/meta-data/' }), 400, 'blocked_url'],
        ['private URL', () => add({ kind: 'sitemap', url: 'http://10.1.2.3/sitemap.xml' }), 400, 'blocked_url'],
        ['IPv6 loopback', () => add({ kind: 'url', url: 'http://[::1]/' }), 400, 'blocked_url'],
        ['localhost', () => add({ kind: 'url', url: 'http://localhost/' }), 400, 'blocked_url'],
        ['file URL', () => add({ kind: 'url', url: 'file:///etc/passwd' }), 400, 'invalid_url'],
        ['bad interval', () => add({ kind: 'url', url: 'https://example.com/', syncIntervalHours: 0 }), 400, 'invalid_body'],
        ['invalid JSON', () => adminSend(server, owner, 'POST', `${base()}/sources`, '{"kind":', 'application/json'), 400, 'invalid_json'],
        ['plain-text body', () => adminSend(server, owner, 'POST', `${base()}/sources`, 'hello', 'text/plain'), 415, 'unsupported_media_type'],
        ['oversized file', () => adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('big.txt', 'a'.repeat(MAX_SOURCE_BYTES + 1))), 413, 'file_too_large'],
        ['executable', () => adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('tool.exe', 'MZ\u0090\u0000')), 415, 'unsupported_file_type'],
        ['text named .pdf', () => adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('fake.pdf', 'not a pdf at all')), 415, 'unsupported_file_type'],
        ['empty file', () => adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('empty.md', '')), 400, 'empty_file'],
        ['file in another field', () => { const f = new FormData(); f.append('document', new Blob(['x']), 'a.md'); return adminSend(server, owner, 'POST', `${base()}/sources`, f); }, 400, 'invalid_upload'],
        ['no file', () => { const f = new FormData(); f.append('title', 'T'); return adminSend(server, owner, 'POST', `${base()}/sources`, f); }, 400, 'file_required'],
        ['two files', () => { const f = fileForm('a.md', 'a'); f.append('file', new Blob(['b']), 'b.md'); return adminSend(server, owner, 'POST', `${base()}/sources`, f); }, 400, 'invalid_upload'],
        ['unknown form field', () => adminSend(server, owner, 'POST', `${base()}/sources`, fileForm('a.md', 'a', { colour: 'red' })), 400, 'invalid_body'],
      ];
      for (const [what, call, status, code] of cases) {
        const res = await call();
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.equal(errorCode(res as never), code, `${what}: ${res.text}`);
      }
      assert.deepEqual(await knowledgeRows(server, ws), before);
    });

    test('viewers and members read but cannot add, change, re-sync or delete; nothing changes', async () => {
      const before = await knowledgeRows(server, ws);
      for (const as of [viewer, member]) {
        for (const [method, path, body] of [
          ['POST', '/sources', { kind: 'text', title: 'T', content: 'x' }],
          ['PATCH', `/sources/${textSource.id}`, { title: 'Renamed' }],
          ['POST', `/sources/${textSource.id}/sync`, {}],
          ['DELETE', `/sources/${textSource.id}`, undefined],
          ['PATCH', '/settings', { strictness: 'sources_only' }],
        ] as const) {
          const res = await as.call(method, `${base()}${path}`, body);
          assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
          assert.equal(errorCode(res), 'forbidden');
        }
        const upload = await adminSend(server, as, 'POST', `${base()}/sources`, fileForm('a.md', '# A'));
        assert.equal(upload.status, 403, upload.text);
        assert.equal((await as.call('GET', `${base()}/settings`)).status, 200);
        assert.equal((await as.call('POST', `${base()}/search`, { question: 'refund' })).status, 200);
      }
      assert.deepEqual(await knowledgeRows(server, ws), before);
      assert.equal((await auditEvents(server, ws, 'knowledge.source_synced')).length, 0);
    });

    test('another workspace cannot see, change, re-sync or delete a source (404)', async () => {
      const before = await knowledgeRows(server, ws);
      // Through its own workspace: row security hides the source.
      for (const [method, path, body] of [
        ['GET', `/sources/${textSource.id}`, undefined],
        ['PATCH', `/sources/${textSource.id}`, { title: 'Mine now' }],
        ['POST', `/sources/${textSource.id}/sync`, {}],
        ['DELETE', `/sources/${textSource.id}`, undefined],
      ] as const) {
        const res = await outsider.call(method, `${base(elsewhere)}${path}`, body);
        assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
        assert.equal(errorCode(res), 'source_not_found');
      }
      assert.deepEqual((await outsider.call('GET', `${base(elsewhere)}/sources`)).body!.sources, []);
      const search = await outsider.call('POST', `${base(elsewhere)}/search`, { question: 'refunds original card' });
      assert.deepEqual(search.body!.passages, []);
      // Through ours: not a member.
      const res = await outsider.call('GET', `${base()}/sources/${textSource.id}`);
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'workspace_not_found');
      assert.deepEqual(await knowledgeRows(server, ws), before);
    });

    test('PATCH changes the title and schedule (web sources only) and is audited', async () => {
      const renamed = await owner.call('PATCH', `${base()}/sources/${textSource.id}`, { title: 'Billing and refunds' });
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal((renamed.body!.source as Source).title, 'Billing and refunds');
      const scheduled = await owner.call('PATCH', `${base()}/sources/${textSource.id}`, { syncIntervalHours: 12 });
      assert.equal(scheduled.status, 400, scheduled.text);
      assert.match(scheduled.text, /only web pages and sitemaps/);
      assert.equal((await owner.call('PATCH', `${base()}/sources/${textSource.id}`, {})).status, 400);
      assert.equal((await owner.call('PATCH', `${base()}/sources/${textSource.id}`, { kind: 'url' })).status, 400);
      assert.equal((await owner.call('PATCH', `${base()}/sources/not-an-id`, { title: 'x' })).status, 400);
      const page = ((await owner.call('GET', `${base()}/sources`)).body!.sources as Source[]).find((s) => s.kind === 'url')!;
      const manual = await owner.call('PATCH', `${base()}/sources/${page.id}`, { syncIntervalHours: null });
      assert.equal(manual.status, 200, manual.text);
      assert.deepEqual([(manual.body!.source as Source).syncIntervalHours, (manual.body!.source as Source).nextSyncAt], [null, null]);
      const hourly = (await owner.call('PATCH', `${base()}/sources/${page.id}`, { syncIntervalHours: 6 })).body!.source as Source;
      assert.equal(hourly.syncIntervalHours, 6);
      assert.ok(hourly.nextSyncAt && new Date(hourly.nextSyncAt) > new Date());
      const events = await auditEvents(server, ws, 'knowledge.source_updated');
      assert.deepEqual(events.map((e) => [e.before, e.after]), [
        [{ title: 'Billing help' }, { title: 'Billing and refunds' }],
        [{ syncIntervalHours: 24 }, { syncIntervalHours: null }],
        [{ syncIntervalHours: null }, { syncIntervalHours: 6 }],
      ]);
    });

    test('re-sync: 202 pending, the job syncs it again, audited with counts', async () => {
      const since = new Date();
      const res = await owner.call('POST', `${base()}/sources/${textSource.id}/sync`);
      assert.equal(res.status, 202, res.text);
      assert.equal((res.body!.source as Source).status, 'pending');
      const again = await synced(server.db, ws, textSource.id, since);
      assert.equal(again.status, 'ready');
      const [event] = await auditEvents(server, ws, 'knowledge.source_synced');
      assert.equal(event!.target_id, textSource.id);
      assert.deepEqual(Object.keys(event!.after!).sort(), ['chunks', 'documents', 'kind']);
      assert.equal((await owner.call('POST', `${base()}/sources/${randomUUID()}/sync`)).status, 404);
    });

    test('the test console returns passages with scores; hybrid once the chunks are embedded', async () => {
      await jobsIdle(server.db, ws);
      const res = await viewer.call('POST', `${base()}/search`, { question: 'How long do refunds take?' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body!.mode, 'hybrid');
      const [first] = res.body!.passages as Record<string, unknown>[];
      assert.deepEqual(Object.keys(first!).sort(), ['chunkId', 'content', 'headingPath', 'score', 'sourceId', 'textRank', 'title', 'url', 'vectorRank']);
      assert.equal(first!.sourceId, textSource.id);
      assert.match(first!.content as string, /original card/);
      assert.equal((await viewer.call('POST', `${base()}/search`, { question: '' })).status, 400);
      assert.equal((await viewer.call('POST', `${base()}/search`, { question: 'x', k: 3 })).status, 400);
    });

    test('settings: read with vector availability, changed by admins, validated, audited', async () => {
      const read = await viewer.call('GET', `${base()}/settings`);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body!.settings, { strictness: 'sources_and_general', unknownAnswer: 'Sorry, I could not find the answer to that in our documentation.', allowOcr: false });
      assert.deepEqual(read.body!.vector, { available: true, reason: null });
      const changed = await owner.call('PATCH', `${base()}/settings`, { strictness: 'sources_only', unknownAnswer: 'Ask our team at help@example.com.', allowOcr: true });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.body!.settings, { strictness: 'sources_only', unknownAnswer: 'Ask our team at help@example.com.', allowOcr: true });
      for (const bad of [{}, { strictness: 'strict' }, { unknownAnswer: '' }, { allowOcr: 'yes' }, { model: 'x' }]) {
        const res = await owner.call('PATCH', `${base()}/settings`, bad);
        assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${res.text}`);
        assert.equal(errorCode(res), 'invalid_body');
      }
      const events = await auditEvents(server, ws, 'knowledge.settings_changed');
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.after, { strictness: 'sources_only', unknownAnswer: 'Ask our team at help@example.com.', allowOcr: true });
      assert.equal((await viewer.call('GET', `${base()}/settings`)).body!.settings instanceof Object, true);
    });

    test('DELETE removes the source with its documents, chunks and file; audited with counts', async () => {
      const { rows } = await withTenant(server.db, ws, (q) => q.query<{ id: string; chunk_count: number; document_count: number }>("SELECT id, chunk_count, document_count FROM knowledge_sources WHERE kind = 'file' AND title = 'Handbook'"));
      const file = rows[0]!;
      const res = await owner.call('DELETE', `${base()}/sources/${file.id}`);
      assert.equal(res.status, 204, res.text);
      const left = await withTenant(server.db, ws, (q) => q.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM knowledge_documents WHERE source_id = $1) + (SELECT count(*) FROM knowledge_chunks WHERE source_id = $1)
              + (SELECT count(*) FROM knowledge_files WHERE source_id = $1) AS n`, [file.id]));
      assert.equal(Number(left.rows[0]!.n), 0);
      assert.equal((await owner.call('GET', `${base()}/sources/${file.id}`)).status, 404);
      assert.equal((await owner.call('DELETE', `${base()}/sources/${file.id}`)).status, 404);
      const [event] = await auditEvents(server, ws, 'knowledge.source_deleted');
      assert.deepEqual(event!.before, { kind: 'file', documents: file.document_count, chunks: file.chunk_count });
    });

    test(`writes are rate limited per workspace (${KNOWLEDGE_RATE_LIMITS.writes} a minute), and so is the test console (${KNOWLEDGE_RATE_LIMITS.searches})`, async () => {
      const busy = (await newWorkspace(owner, 'Busy')).id;
      const created = await add({ kind: 'text', title: 'T', content: 'words' }, owner, busy);
      const id = (created.body!.source as Source).id;
      let status = 0;
      for (let i = 1; i < KNOWLEDGE_RATE_LIMITS.writes; i++) status = (await owner.call('POST', `${base(busy)}/sources/${id}/sync`)).status;
      assert.equal(status, 202);
      const refused = await owner.call('POST', `${base(busy)}/sources/${id}/sync`);
      assert.equal(refused.status, 429, refused.text);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      const ask = () => owner.call('POST', `${base(busy)}/search`, { question: 'words' });
      for (let i = 0; i < KNOWLEDGE_RATE_LIMITS.searches; i++) status = (await ask()).status;
      assert.equal(status, 200);
      assert.equal((await ask()).status, 429);
      // Other workspaces are not affected.
      assert.equal((await owner.call('POST', `${base()}/search`, { question: 'refund' })).status, 200);
    });

    test(`a workspace holds at most ${MAX_SOURCES_PER_WORKSPACE} sources (409, nothing stored)`, async () => {
      const full = (await newWorkspace(owner, 'Full')).id;
      await withTenant(server.db, full, (q) => q.query(
        "INSERT INTO knowledge_sources (workspace_id, kind, title, url) SELECT $1, 'url', 'Page ' || n, 'https://example.com/' || n FROM generate_series(1, $2::int) n",
        [full, MAX_SOURCES_PER_WORKSPACE],
      ));
      const res = await add({ kind: 'text', title: 'One more', content: 'x' }, owner, full);
      assert.equal(res.status, 409, res.text);
      assert.equal(errorCode(res), 'too_many_sources');
      assert.equal((await knowledgeRows(server, full)).sources, MAX_SOURCES_PER_WORKSPACE);
    });
  });
}
