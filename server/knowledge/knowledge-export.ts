// The knowledge part of the workspace export (server/conversations/export.service.ts):
// settings, sources, documents (addresses, titles, status; a text source's own text) and
// every chunk's text, written batch by batch like the conversations. Not embeddings (a
// re-import embeds again), not uploaded files' bytes (the customer has them; their
// extracted text is in the chunks).
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { chunkBatch, documentBatch } from './knowledge-export.repo.js';
import { readKnowledgeSettings } from './knowledge-settings.repo.js';
import { listSources } from './knowledge.repo.js';
import { presentSource } from './knowledge.presenter.js';

/** One JSON object, `{"settings":…,"sources":[…],"documents":[…],"chunks":[…]}`, in pieces. */
export async function* knowledgeExportJson(db: Db, workspaceId: string, batchSize: number): AsyncGenerator<string, void, undefined> {
  const settings = await withTenant(db, workspaceId, (q) => readKnowledgeSettings(q, workspaceId));
  const sources = await listSources(db, workspaceId, { limit: 100_000 });
  yield `{"settings":${JSON.stringify(settings)},"sources":[\n${sources.map((s) => JSON.stringify(presentSource(s))).join(',\n')}\n],"documents":[\n`;

  let first = true;
  let afterId: string | undefined;
  for (;;) {
    const rows = await withTenant(db, workspaceId, (q) => documentBatch(q, workspaceId, afterId, batchSize));
    if (rows.length > 0) {
      const text = rows.map((d) => JSON.stringify({ ...d, fetchedAt: d.fetchedAt?.toISOString() ?? null })).join(',\n');
      yield first ? text : `,\n${text}`;
      first = false;
    }
    if (rows.length < batchSize) break;
    afterId = rows.at(-1)!.id;
  }

  yield '\n],"chunks":[\n';
  first = true;
  let after: { documentId: string; position: number; id: string } | undefined;
  for (;;) {
    const rows = await withTenant(db, workspaceId, (q) => chunkBatch(q, workspaceId, after, batchSize));
    if (rows.length > 0) {
      const text = rows.map((c) => JSON.stringify(c)).join(',\n');
      yield first ? text : `,\n${text}`;
      first = false;
    }
    if (rows.length < batchSize) break;
    const last = rows.at(-1)!;
    after = { documentId: last.documentId, position: last.position, id: last.id };
  }
  yield '\n]}';
}
