// A help centre of a hundred pages, ingested from its sitemap as the server does it: every
// page ready, the chunks embedded, the right page found for a question, and a visitor's
// question answered in the widget's chat with that page cited. Prints pages and chunks per
// second (figures, not assertions: bench/ owns timing).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { mistralEmbedder } from '../../server/knowledge/embed/mistral-embed.js';
import { syncSender } from '../../server/knowledge/ingest/enqueue-sync.js';
import { searchKnowledge } from '../../server/knowledge/knowledge-search.js';
import { createSource, knowledgeCounts } from '../../server/knowledge/knowledge.repo.js';
import { databaseKinds } from '../support/databases.js';
import { sitemapXml, startFetchSite, type FetchSite } from '../support/fetch-site.js';
import { ARTICLES, fillerChunks } from '../support/knowledge-help-centre.js';
import { passageNumber, systemOf } from '../support/knowledge-chat.js';
import { html, synced, waitFor } from '../support/knowledge-ingest.js';
import { startTestServer } from '../support/test-server.js';
import { allEvents, deltaText, newVisitor, seedWidgetWorkspace } from '../support/widget.js';

const PAGES = 100;
const KEY = 'operator-key-0123456789';

/** Page i: an article of the help centre (16), then reference pages of three sections each. */
function page(i: number): string {
  if (i < ARTICLES.length) {
    const a = ARTICLES[i]!;
    return html(`${a.headingPath} | ${a.title}`, `<h1>${a.headingPath}</h1><p>${a.content}</p><h2>Still need help?</h2><p>Write to support from the ${a.title.toLowerCase()} page of your account.</p>`);
  }
  const sections = fillerChunks(3, i).map((c, n) => `<h2>${c.headingPath} ${n}</h2><p>${c.content}</p><p>${c.content}</p>`).join('');
  return html(`Reference ${i}`, `<h1>Reference ${i}</h1>${sections}`);
}

let fake: FakeMistral;
let site: FetchSite;

before(async () => {
  fake = await startFakeMistral();
  site = await startFetchSite({ host: '127.0.0.2' });
  for (let i = 0; i < PAGES; i++) {
    const body = page(i);
    site.route(`/help/${i}`, (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body));
  }
  site.route('/sitemap.xml', (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/xml' }).end(sitemapXml(Array.from({ length: PAGES }, (_, i) => `${site.origin}/help/${i}`))),
  );
});
after(async () => {
  await site?.close();
  await fake?.close();
});

for (const kind of databaseKinds) {
  test(`on ${kind}, a help centre of ${PAGES} pages ingests from its sitemap and answers with the right page`, async (t) => {
    const server = await startTestServer(kind, { MISTRAL_API_KEY: KEY, MISTRAL_SERVER_URL: fake.url, KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.2/32' });
    try {
      const { id: workspaceId, publicId } = await seedWidgetWorkspace(server.db);
      const source = await createSource(server.db, workspaceId, { kind: 'sitemap', title: 'Help centre', url: `${site.origin}/sitemap.xml` });
      const requestsBefore = fake.embeddings.requests.length;
      const started = performance.now();
      await syncSender(server.jobs)(workspaceId, source.id);
      const done = await synced(server.db, workspaceId, source.id);
      const readyMs = performance.now() - started;
      assert.equal(done.status, 'ready', done.error ?? '');
      assert.deepEqual([done.documentCount, done.failedCount], [PAGES, 0]);
      assert.ok(done.chunkCount >= PAGES, `${done.chunkCount} chunks`);
      const counts = await waitFor('every chunk embedded', async () => {
        const c = await knowledgeCounts(server.db, workspaceId);
        return c.embedded === c.chunks ? c : undefined;
      }, 120_000);
      const embeddedMs = performance.now() - started;
      const requests = fake.embeddings.requests.slice(requestsBefore);

      const found = await searchKnowledge({ db: server.db, embedder: mistralEmbedder({ serverUrl: fake.url }) }, { workspaceId, question: 'How long until refunds are paid?', apiKey: KEY });
      assert.equal(found.mode, 'hybrid');
      assert.equal(found.passages[0]?.url, `${site.origin}/help/0`, JSON.stringify(found.passages.slice(0, 2)));

      // A visitor asks in the chat; the model (the local Mistral) cites the passage holding the refunds article.
      const refunds = ARTICLES[0]!.content;
      fake.setScript((r) => ({ chunks: [`Refunds are paid within 14 days [${passageNumber(systemOf(r), refunds) ?? '?'}].`] }));
      const visitor = await newVisitor(server.url, publicId);
      const res = await visitor.http.post(`/api/widget/conversations/${visitor.conversationId}/messages`, { content: 'How long until refunds are paid?' }, visitor.token);
      assert.equal(res.status, 200);
      const events = await allEvents(res);
      assert.match(deltaText(events), /within 14 days \[\d+\]\.$/, 'the passage was in the prompt, numbered');
      const doneEvent = events.find((e) => e.event === 'done')!.data as { status: string; sources: { url: string | null }[] };
      assert.equal(doneEvent.status, 'complete');
      assert.deepEqual(doneEvent.sources.map((x) => x.url), [`${site.origin}/help/0`]);
      fake.setScript();

      const line = `${kind}: ${PAGES} pages, ${counts.chunks} chunks; ready in ${(readyMs / 1000).toFixed(2)} s (${(PAGES / (readyMs / 1000)).toFixed(1)} pages/s, ${(counts.chunks / (readyMs / 1000)).toFixed(1)} chunks/s); embedded in ${(embeddedMs / 1000).toFixed(2)} s with ${requests.length} embeddings requests (${(counts.chunks / (embeddedMs / 1000)).toFixed(1)} chunks/s end to end)`;
      t.diagnostic(line);
      console.log(`# ingestion figures: ${line}`);
    } finally {
      await server.stop();
    }
  });
}
