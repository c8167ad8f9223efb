// The ingestion pipeline end to end, as the server runs it: sources synced by background
// jobs (pg-boss) from a local web site (pages, a sitemap, robots.txt, a redirect, a 404),
// pasted text and a PDF; embeddings from the local Mistral, counted at its /v1/embeddings.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { mistralEmbedder } from '../../server/knowledge/embed/mistral-embed.js';
import { syncSender } from '../../server/knowledge/ingest/enqueue-sync.js';
import { listChunks } from '../../server/knowledge/knowledge-chunks.repo.js';
import { listDocuments } from '../../server/knowledge/knowledge-documents.repo.js';
import { searchKnowledge } from '../../server/knowledge/knowledge-search.js';
import { createSource, knowledgeCounts, updateSource } from '../../server/knowledge/knowledge.repo.js';
import { withTenant } from '../../server/db/tenant.js';
import { databaseKinds } from '../support/databases.js';
import { sitemapXml, startFetchSite, type FetchSite } from '../support/fetch-site.js';
import { textPdf } from '../support/knowledge-documents.js';
import { html, jobsIdle, pendingJobs, seedKnowledgeWorkspace, synced, waitFor } from '../support/knowledge-ingest.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const OPERATOR_KEY = 'operator-key-0123456789';

/** A section long enough (about 300 tokens) to be a chunk of its own. */
const section = (heading: string, sentence: string) =>
  `<h2>${heading}</h2>` + Array.from({ length: 9 }, (_, i) => `<p>${sentence} (note ${i + 1} of the ${heading.toLowerCase()} section, kept for reference.)</p>`).join('');

const shippingSections = (returnsSentence: string) =>
  section('Delivery times', 'Parcels leave our warehouse every working morning and usually arrive within two to four working days.') +
  section('Returns', returnsSentence) +
  section('Tracking', 'Every order page shows a tracking link once the carrier has scanned the parcel.');

for (const kind of databaseKinds) {
  describe(`knowledge ingestion (on ${kind})`, () => {
    let fake: FakeMistral;
    let site: FetchSite;
    let server: TestServer;
    let base: string;
    let returnsSentence = 'To return an item, print the prepaid label from your order page and drop the parcel at any post office within 30 days.';
    let notModified = 0;
    const inputs = () => fake.embeddings.requests.reduce((n, r) => n + r.inputs.length, 0);
    const enqueue = () => syncSender(server.jobs);

    before(async () => {
      fake = await startFakeMistral();
      site = await startFetchSite({ host: '127.0.0.2' });
      base = site.origin;
      // Pages with an ETag (answered 304 when unchanged) and one without validators at all.
      const page = (title: string, body: () => string, validators = true) => (req: IncomingMessage, res: ServerResponse) => {
        const text = html(title, `<h1>${title}</h1>${body()}`);
        const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
        if (validators && req.headers['if-none-match'] === etag) return void (notModified++, res.writeHead(304, { etag }).end());
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(validators && { etag }) }).end(text);
      };
      site.route('/help/billing', page('Billing', () => section('Refunds', 'Refunds are paid back to the original card within 14 days of the returned parcel reaching our warehouse.') + section('Invoices', 'Invoices are emailed as PDF files on the first day of each month.')));
      site.route('/help/shipping', page('Shipping', () => shippingSections(returnsSentence)));
      site.route('/help/account', page('Account', () => section('Password', 'Forgot your password? Use the reset link on the sign-in page; the emailed link expires after one hour.'), false));
      site.route('/help/widget', page('Widget', () => section('Installing', 'Paste the script tag into the head of every page where the chat widget should appear.')));
      site.route('/old-widget', (_req, res) => res.writeHead(301, { location: '/help/widget' }).end());
      site.route('/sitemap.xml', (_req, res) =>
        res.writeHead(200, { 'content-type': 'application/xml' }).end(sitemapXml(['/help/billing', '/help/shipping', '/help/account', '/old-widget', '/help/missing', '/private/notes'].map((p) => base + p))),
      );
      server = await startTestServer(kind, { MISTRAL_API_KEY: OPERATOR_KEY, MISTRAL_SERVER_URL: fake.url, KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.2/32' }, { knowledgeScheduleIntervalMs: 1_000 });
    });
    after(async () => {
      await server?.stop();
      await site?.close();
      await fake?.close();
    });

    describe('a sitemap source', () => {
      let workspaceId: string;
      let sourceId: string;

      test('ends ready with one document per page; the 404 and the robots-disallowed page fail with their reasons; chunks are embedded and searchable', async () => {
        workspaceId = await seedKnowledgeWorkspace(server.db);
        const created = await createSource(server.db, workspaceId, { kind: 'sitemap', title: 'Help centre', url: `${base}/sitemap.xml` });
        sourceId = created.id;
        assert.equal(created.status, 'pending');
        await enqueue()(workspaceId, sourceId);
        const source = await synced(server.db, workspaceId, sourceId);
        assert.equal(source.status, 'ready', source.error ?? '');
        assert.equal(source.documentCount, 6);
        assert.equal(source.failedCount, 2);
        assert.deepEqual([source.progressDone, source.progressTotal], [6, 6]);
        assert.ok(source.lastSyncedAt && !source.nextSyncAt, 'no interval: no next sync');

        const docs = await listDocuments(server.db, workspaceId, sourceId);
        const byPath = new Map(docs.map((d) => [new URL(d.url!).pathname, d]));
        assert.equal(byPath.get('/help/missing')!.status, 'failed');
        assert.match(byPath.get('/help/missing')!.error!, /404 Not Found/);
        assert.equal(byPath.get('/private/notes')!.status, 'failed');
        assert.match(byPath.get('/private/notes')!.error!, /robots\.txt/);
        for (const path of ['/help/billing', '/help/shipping', '/help/account', '/old-widget']) {
          const doc = byPath.get(path)!;
          assert.equal(doc.status, 'ready', `${path}: ${doc.error}`);
          assert.ok(doc.chunkCount > 0, path);
        }
        assert.equal(byPath.get('/help/billing')!.title, 'Billing');
        // The redirect: the document keeps the sitemap's address; its citations link where the page is now.
        const widgetChunks = await listChunks(server.db, workspaceId, byPath.get('/old-widget')!.id);
        assert.ok(widgetChunks.every((c) => c.url === `${base}/help/widget`), JSON.stringify(widgetChunks.map((c) => c.url)));
        assert.equal(source.chunkCount, docs.reduce((n, d) => n + d.chunkCount, 0));

        await jobsIdle(server.db, workspaceId);
        const counts = await knowledgeCounts(server.db, workspaceId);
        assert.equal(counts.chunks, source.chunkCount);
        assert.equal(counts.embedded, counts.chunks, 'the embed job embedded every chunk');
        assert.equal(inputs(), counts.chunks, 'each text sent once');

        const embedder = mistralEmbedder({ serverUrl: fake.url });
        const found = await searchKnowledge({ db: server.db, embedder }, { workspaceId, question: 'How long do refunds take?', apiKey: OPERATOR_KEY });
        assert.equal(found.mode, 'hybrid');
        assert.equal(found.passages[0]?.headingPath.endsWith('Refunds'), true, JSON.stringify(found.passages[0]));
        assert.equal(found.passages[0]?.url, `${base}/help/billing`);
        const text = await searchKnowledge({ db: server.db }, { workspaceId, question: 'prepaid label post office' });
        assert.equal(text.mode, 'text');
        assert.match(text.passages[0]?.content ?? '', /prepaid label/);
      });

      test('a re-sync of unchanged pages embeds nothing (304 or the same bytes)', async () => {
        const before = { inputs: inputs(), notModified };
        const chunkIds = await allChunkIds(workspaceId, sourceId);
        const since = new Date();
        await enqueue()(workspaceId, sourceId);
        const source = await synced(server.db, workspaceId, sourceId, since);
        assert.equal(source.status, 'ready');
        await jobsIdle(server.db, workspaceId);
        assert.equal(inputs(), before.inputs, 'no text embedded again');
        assert.deepEqual(await allChunkIds(workspaceId, sourceId), chunkIds, 'no chunk rewritten');
        // The three pages with an ETag were asked for conditionally, and answered 304.
        assert.equal(notModified - before.notModified, 3);
      });

      test('a changed page re-embeds only its changed chunks', async () => {
        const before = await allChunkIds(workspaceId, sourceId);
        const mark = fake.embeddings.requests.length;
        returnsSentence = 'Returns are free: book a courier pickup from your order page within 45 days and hand over the parcel.';
        const since = new Date();
        await enqueue()(workspaceId, sourceId);
        await synced(server.db, workspaceId, sourceId, since);
        await jobsIdle(server.db, workspaceId);
        const after = await allChunkIds(workspaceId, sourceId);
        const fresh = [...after].filter((id) => !before.has(id));
        const sent = fake.embeddings.requests.slice(mark).flatMap((r) => r.inputs);
        assert.ok(fresh.length > 0 && fresh.length < after.size, `${fresh.length} of ${after.size} chunks new`);
        assert.equal(sent.length, fresh.length, 'only the new chunks were embedded');
        assert.ok(sent.every((t) => t.includes('courier')), 'and they are the changed section');
        const counts = await knowledgeCounts(server.db, workspaceId);
        assert.equal(counts.embedded, counts.chunks);
      });

      async function allChunkIds(workspace: string, source: string): Promise<Set<string>> {
        const { rows } = await withTenant(server.db, workspace, (q) => q.query<{ id: string }>('SELECT id FROM knowledge_chunks WHERE source_id = $1', [source]));
        return new Set(rows.map((r) => r.id));
      }
    });

    test('a pasted text source and an uploaded PDF become ready, the PDF with its pages', async () => {
      const workspaceId = await seedKnowledgeWorkspace(server.db);
      const text = await createSource(server.db, workspaceId, { kind: 'text', title: 'Opening hours', text: '# Support\n\n## Opening hours\n\nOur support team answers from 9:00 to 17:00 on working days.' });
      const pdf = await createSource(server.db, workspaceId, { kind: 'file', title: 'Handbook', file: { name: 'handbook.pdf', mime: 'application/pdf', data: await textPdf({ pages: 20 }) } });
      await enqueue()(workspaceId, text.id);
      await enqueue()(workspaceId, pdf.id);
      const [t, p] = [await synced(server.db, workspaceId, text.id), await synced(server.db, workspaceId, pdf.id)];
      assert.equal(t.status, 'ready', t.error ?? '');
      assert.equal(p.status, 'ready', p.error ?? '');
      assert.ok(t.chunkCount >= 1 && p.chunkCount >= 1);
      const [pdfDoc] = await listDocuments(server.db, workspaceId, pdf.id);
      const chunks = await listChunks(server.db, workspaceId, pdfDoc!.id);
      // Each chunk knows the page it starts on, for citations (#page=N needs a URL; an upload has none).
      const pages = chunks.map((c) => c.page!);
      assert.equal(pages[0], 1);
      assert.ok(new Set(pages).size > 1 && pages.every((n, i) => n >= 1 && n <= 20 && (i === 0 || n >= pages[i - 1]!)), pages.join(','));
      assert.ok(chunks.every((c) => c.title === 'Handbook'));
      const found = await searchKnowledge({ db: server.db }, { workspaceId, question: 'opening hours support team' });
      assert.equal(found.passages[0]?.sourceId, text.id);
      await jobsIdle(server.db, workspaceId);
      const counts = await knowledgeCounts(server.db, workspaceId);
      assert.equal(counts.embedded, counts.chunks);
    });

    test('a page that cannot be fetched fails its url source with the reason', async () => {
      const workspaceId = await seedKnowledgeWorkspace(server.db);
      const source = await createSource(server.db, workspaceId, { kind: 'url', title: 'Gone', url: `${base}/help/missing` });
      await enqueue()(workspaceId, source.id);
      const done = await synced(server.db, workspaceId, source.id);
      assert.equal(done.status, 'failed');
      assert.match(done.error ?? '', /404 Not Found/);
      const sitemap = await createSource(server.db, workspaceId, { kind: 'sitemap', title: 'Nope', url: `${base}/no-sitemap.xml` });
      await enqueue()(workspaceId, sitemap.id);
      const failed = await synced(server.db, workspaceId, sitemap.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /^The sitemap could not be read: .*404/);
    });

    test('with the provider down the source is ready with chunks and no embeddings; a later sync embeds them', async () => {
      const workspaceId = await seedKnowledgeWorkspace(server.db);
      fake.embeddings.setScript(() => ({ status: 503, body: { object: 'error', message: 'Service unavailable' } }));
      let source;
      try {
        source = await createSource(server.db, workspaceId, { kind: 'url', title: 'Billing', url: `${base}/help/billing` });
        const mark = fake.embeddings.requests.length;
        await enqueue()(workspaceId, source.id);
        const done = await synced(server.db, workspaceId, source.id);
        assert.equal(done.status, 'ready', done.error ?? '');
        assert.ok(done.chunkCount > 0);
        // The embed job tried, failed, and waits to retry with back-off (a minute or more).
        await waitFor('the embed job to wait for a retry', async () => (await pendingJobs(server.db, workspaceId, ['retry'])).length === 1);
        assert.ok(fake.embeddings.requests.length > mark);
        const counts = await knowledgeCounts(server.db, workspaceId);
        assert.deepEqual([counts.chunks, counts.embedded], [done.chunkCount, 0]);
        const found = await searchKnowledge({ db: server.db, embedder: mistralEmbedder({ serverUrl: fake.url, maxAttempts: 1 }) }, { workspaceId, question: 'refunds original card', apiKey: OPERATOR_KEY });
        assert.equal(found.mode, 'text', 'full text answers while embeddings are missing');
        assert.ok(found.passages.length > 0);
      } finally {
        fake.embeddings.setScript();
      }
      const since = new Date();
      await enqueue()(workspaceId, source.id);
      await synced(server.db, workspaceId, source.id, since);
      const counts = await waitFor('the chunks embedded', async () => {
        const c = await knowledgeCounts(server.db, workspaceId);
        return c.embedded === c.chunks ? c : undefined;
      });
      assert.ok(counts.chunks > 0);
    });

    test('a due scheduled re-sync and a source whose job was lost are synced by the schedule', async () => {
      const workspaceId = await seedKnowledgeWorkspace(server.db);
      const scheduled = await createSource(server.db, workspaceId, { kind: 'url', title: 'Account', url: `${base}/help/account`, syncIntervalHours: 24 });
      const lost = await createSource(server.db, workspaceId, { kind: 'text', title: 'Lost', text: 'A source restored from a backup, whose job the queue never had.' });
      await updateSource(server.db, workspaceId, scheduled.id, { nextSyncAt: new Date(Date.now() - 60_000) });
      await withTenant(server.db, workspaceId, (q) => q.query("UPDATE knowledge_sources SET updated_at = now() - interval '2 hours' WHERE id = $1", [lost.id]));
      // The server looks for due syncs every second here (every 5 minutes by default).
      const s = await synced(server.db, workspaceId, scheduled.id);
      assert.equal(s.status, 'ready', s.error ?? '');
      assert.ok(s.nextSyncAt && s.nextSyncAt.getTime() > Date.now() + 23 * 3_600_000, 'the next sync a day later');
      assert.equal((await synced(server.db, workspaceId, lost.id)).status, 'ready');
    });
  });
}
