// A sync interrupted by a server restart is not lost: the stopping server gives the job back
// to the queue (without using a retry), the source shows processing meanwhile, and the next
// server to start on the database finishes it.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { startFakeMistral } from '../../scripts/fake-mistral.js';
import { loadConfig } from '../../server/config.js';
import { openDatabase } from '../../server/db/open.js';
import { syncSender } from '../../server/knowledge/ingest/enqueue-sync.js';
import { listDocuments } from '../../server/knowledge/knowledge-documents.repo.js';
import { createSource, getSource } from '../../server/knowledge/knowledge.repo.js';
import { createLogger } from '../../server/logging.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { createTestDatabase, databaseKinds } from '../support/databases.js';
import { sitemapXml, startFetchSite } from '../support/fetch-site.js';
import { html, pendingJobs, seedKnowledgeWorkspace, synced, waitFor } from '../support/knowledge-ingest.js';
import { testEnv } from '../support/test-server.js';

const PAGES = ['/p1', '/p2', '/p3', '/p4', '/p5', '/p6'];

for (const kind of databaseKinds) {
  test(`on ${kind}, a sync interrupted by a restart finishes on the next start`, async () => {
    const fake = await startFakeMistral();
    const site = await startFetchSite({ host: '127.0.0.2' });
    // /p4 hangs until released: the restart happens while it is being fetched.
    let hold = true;
    const held: ServerResponse[] = [];
    const answer = (path: string, res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end(html(path, `<h1>Page ${path}</h1><p>The text of ${path}, about topic ${path.slice(2)}.</p>`));
    for (const path of PAGES) site.route(path, (_req, res) => (path === '/p4' && hold ? void held.push(res) : answer(path, res)));
    site.route('/sitemap.xml', (_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(sitemapXml(PAGES.map((p) => site.origin + p))));
    const database = await createTestDatabase(kind, { migrated: true });
    const db = await openDatabase(database.config);
    const logger = createLogger({ level: 'silent' });
    const config = { ...loadConfig(testEnv({ MISTRAL_API_KEY: 'operator-key-0123456789', MISTRAL_SERVER_URL: fake.url, KNOWLEDGE_FETCH_ALLOW_NETWORKS: '127.0.0.2/32' })), database: database.config };
    let second: RunningServer | undefined;
    try {
      const first = await startServer(config, logger, { db });
      const workspaceId = await seedKnowledgeWorkspace(db);
      const source = await createSource(db, workspaceId, { kind: 'sitemap', title: 'Site', url: `${site.origin}/sitemap.xml` });
      await syncSender(first.jobs)(workspaceId, source.id);
      await waitFor('the held page to be fetched', () => held.length > 0);
      await first.close(2_000);

      // Honest meanwhile: still processing, and the job waits in the queue with no retry used.
      assert.equal((await getSource(db, workspaceId, source.id))!.status, 'processing');
      const { rows: [job] } = await db.query<{ state: string; retryCount: number }>(
        `SELECT state::text AS state, retry_count AS "retryCount" FROM pgboss.job WHERE name = 'knowledge-sync' AND data->>'sourceId' = $1`,
        [source.id],
      );
      assert.deepEqual(job, { state: 'retry', retryCount: 0 });

      hold = false;
      for (const res of held) res.destroy();
      second = await startServer(config, logger, { db });
      const done = await synced(db, workspaceId, source.id);
      assert.equal(done.status, 'ready', done.error ?? '');
      assert.equal(done.documentCount, 6);
      assert.equal(done.failedCount, 0);
      const docs = await listDocuments(db, workspaceId, source.id);
      assert.ok(docs.every((d) => d.status === 'ready' && d.chunkCount > 0), JSON.stringify(docs.map((d) => [d.url, d.status, d.error])));
      await waitFor('the queue to be idle', async () => (await pendingJobs(db, workspaceId)).length === 0);
    } finally {
      await second?.close(1_000);
      await db.close();
      await database.drop();
      await site.close();
      await fake.close();
    }
  });
}
