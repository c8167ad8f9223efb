// A workspace's knowledge through its life: in the workspace export (sources, documents,
// chunks' text; never embeddings or file bytes), left alone by retention (it is the
// customer's content, not chat logs), and gone with the workspace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startFakeMistral, type FakeMistral } from '../../scripts/fake-mistral.js';
import { withTenant } from '../../server/db/tenant.js';
import { runRetention } from '../../server/retention/retention.service.js';
import { ADMIN_TEST_OPTIONS, memoryMailer, newAdmin, newWorkspace, type AdminClient } from '../support/admin.js';
import { databaseKinds } from '../support/databases.js';
import { jobsIdle, synced } from '../support/knowledge-ingest.js';
import { adminSend, fileForm, knowledgeRows } from '../support/knowledge-routes.js';
import { ownerQuery } from '../support/owner-query.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CONTENT = '# Returns\n\n## Labels\n\nPrint the prepaid return label from your order page.';
const KNOWLEDGE_TABLES = ['knowledge_sources', 'knowledge_files', 'knowledge_documents', 'knowledge_chunks'];

for (const kind of databaseKinds) {
  describe(`knowledge lifecycle (${kind})`, () => {
    let fake: FakeMistral;
    let server: TestServer;
    let owner: AdminClient;
    let ws: string;
    let textId: string;
    let fileId: string;

    before(async () => {
      fake = await startFakeMistral();
      server = await startTestServer(kind, { MISTRAL_API_KEY: 'operator-key-0123456789', MISTRAL_SERVER_URL: fake.url }, { adminAuth: { ...ADMIN_TEST_OPTIONS, mailer: memoryMailer() } });
      owner = await newAdmin(server, 'Owner');
      ws = (await newWorkspace(owner, 'Lifecycle')).id;
      const text = await owner.call('POST', `/workspaces/${ws}/knowledge/sources`, { kind: 'text', title: 'Returns', content: CONTENT });
      assert.equal(text.status, 202, text.text);
      textId = (text.body!.source as { id: string }).id;
      const file = await adminSend(server, owner, 'POST', `/workspaces/${ws}/knowledge/sources`, fileForm('hours.md', '# Opening hours\n\nWeekdays from nine to five.'));
      assert.equal(file.status, 202, file.text);
      fileId = (file.body!.source as { id: string }).id;
      for (const id of [textId, fileId]) assert.equal((await synced(server.db, ws, id)).status, 'ready');
      await jobsIdle(server.db, ws);
    });
    after(async () => {
      await server?.stop();
      await fake?.close();
    });

    test('the workspace export holds the knowledge: settings, sources, documents, chunks; no embeddings or file bytes', async () => {
      const res = await fetch(`${server.url}/api/admin/workspaces/${ws}/export`, { headers: { cookie: `__Host-parley_session=${owner.token}`, origin: server.url } });
      assert.equal(res.status, 200);
      const text = await res.text();
      type Knowledge = {
        settings: Record<string, unknown>;
        sources: { id: string; kind: string; status: string; chunkCount: number }[];
        documents: { sourceId: string; title: string; status: string; url: string | null; text: string | null }[];
        chunks: { sourceId: string; documentId: string; position: number; content: string; headingPath: string }[];
      };
      const { knowledge } = JSON.parse(text) as { knowledge: Knowledge };
      assert.deepEqual(Object.keys(knowledge), ['settings', 'sources', 'documents', 'chunks']);
      assert.deepEqual(knowledge.settings, { strictness: 'sources_and_general', unknownAnswer: 'Sorry, I could not find the answer to that in our documentation.', allowOcr: false });
      assert.deepEqual(knowledge.sources.map((s) => [s.id, s.kind, s.status]).sort(), [[textId, 'text', 'ready'], [fileId, 'file', 'ready']].sort());
      const rows = await knowledgeRows(server, ws);
      assert.equal(knowledge.documents.length, rows.documents);
      assert.equal(knowledge.chunks.length, rows.chunks);
      // A text source's own words are there as written; every chunk's text is there.
      assert.equal(knowledge.documents.find((d) => d.sourceId === textId)!.text, CONTENT);
      assert.equal(knowledge.documents.find((d) => d.sourceId === fileId)!.text, null);
      assert.ok(knowledge.chunks.some((c) => c.sourceId === textId && c.content.includes('prepaid return label') && c.headingPath === 'Labels'), JSON.stringify(knowledge.chunks));
      assert.ok(knowledge.chunks.some((c) => c.sourceId === fileId && c.content.includes('nine to five')));
      // The chunks were embedded (the export leaves the vectors out).
      const { rows: [embedded] } = await ownerQuery<{ n: number }>(server, 'SELECT count(*)::int AS n FROM knowledge_chunks WHERE workspace_id = $1 AND embedding IS NOT NULL', [ws]);
      assert.equal(embedded!.n, rows.chunks);
      assert.doesNotMatch(text, /"embedding"|content_hash|contentHash|"data"/);
    });

    test('retention deletes old chat logs but leaves old knowledge alone', async () => {
      assert.equal((await owner.call('PATCH', `/workspaces/${ws}/settings`, { retentionDays: 1 })).status, 200);
      const old = "now() - interval '400 days'";
      for (const table of KNOWLEDGE_TABLES) {
        const columns = table === 'knowledge_files' || table === 'knowledge_chunks' ? `created_at = ${old}` : `created_at = ${old}, updated_at = ${old}`;
        await ownerQuery(server, `UPDATE ${table} SET ${columns} WHERE workspace_id = $1`, [ws]);
      }
      await ownerQuery(server, `UPDATE knowledge_sources SET last_synced_at = ${old} WHERE workspace_id = $1`, [ws]);
      await withTenant(server.db, ws, async (q) => {
        const { rows: [v] } = await q.query<{ id: string }>(`INSERT INTO visitors (workspace_id, secret_hash, created_at, last_seen_at) VALUES ($1, $2, ${old}, ${old}) RETURNING id`, [ws, randomBytes(32)]);
        const { rows: [c] } = await q.query<{ id: string }>(`INSERT INTO conversations (workspace_id, visitor_id, created_at, updated_at) VALUES ($1, $2, ${old}, ${old}) RETURNING id`, [ws, v!.id]);
        await q.query(`INSERT INTO messages (workspace_id, conversation_id, role, content, created_at) VALUES ($1, $2, 'user', 'old question', ${old})`, [ws, c!.id]);
      });
      const knowledgeBefore = await knowledgeRows(server, ws);
      const run = await runRetention(server.db);
      const mine = run!.workspaces.find((w) => w.workspaceId === ws);
      assert.deepEqual(mine && { messages: mine.messages, conversations: mine.conversations, visitors: mine.visitors }, { messages: 1, conversations: 1, visitors: 1 });
      assert.deepEqual(await knowledgeRows(server, ws), knowledgeBefore);
      assert.ok(knowledgeBefore.chunks > 0 && knowledgeBefore.files === 1);
    });

    test('deleting the workspace deletes its sources, files, documents and chunks', async () => {
      assert.ok((await knowledgeRows(server, ws)).chunks > 0);
      const res = await owner.call('DELETE', `/workspaces/${ws}`, { confirm: 'Lifecycle' });
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(await knowledgeRows(server, ws), { sources: 0, files: 0, documents: 0, chunks: 0 });
      const { rows: [event] } = await ownerQuery<{ details: { rows: Record<string, number> } }>(
        server, "SELECT details FROM platform_audit_events WHERE action = 'workspace.deleted' AND target = $1", [`workspace:${ws}`]);
      assert.equal(event!.details.rows.knowledge_sources, 2);
      assert.ok((event!.details.rows.knowledge_chunks ?? 0) > 0);
    });
  });
}
