// Reads for the workspace export's knowledge part, each inside withTenant. Documents and
// chunks are keyset-paged so an export of 100,000 chunks holds one batch at a time.
// Embeddings, content hashes, fetch validators and uploaded bytes are never selected.
import type { Queryable } from '../db/db.js';

export interface ExportDocumentRow {
  id: string;
  sourceId: string;
  url: string | null;
  title: string;
  status: string;
  error: string | null;
  chunkCount: number;
  fetchedAt: Date | null;
  /** The pasted text of a text source (what the customer wrote); null for fetched and uploaded documents. */
  text: string | null;
}

export interface ExportChunkRow {
  id: string;
  sourceId: string;
  documentId: string;
  position: number;
  headingPath: string;
  title: string;
  url: string | null;
  page: number | null;
  content: string;
}

/** After (id) of the previous batch, in id order. */
export async function documentBatch(q: Queryable, workspaceId: string, afterId: string | undefined, limit: number): Promise<ExportDocumentRow[]> {
  const { rows } = await q.query<ExportDocumentRow>(
    `SELECT d.id, d.source_id AS "sourceId", d.url, d.title, d.status, d.error, d.chunk_count AS "chunkCount", d.fetched_at AS "fetchedAt",
            CASE WHEN s.kind = 'text' THEN d.markdown END AS text
       FROM knowledge_documents d JOIN knowledge_sources s ON s.id = d.source_id
      WHERE d.workspace_id = $1 AND ($2::uuid IS NULL OR d.id > $2::uuid)
      ORDER BY d.id LIMIT $3`,
    [workspaceId, afterId ?? null, limit],
  );
  return rows;
}

/** After (documentId, position, id) of the previous batch: each document's chunks in order. */
export async function chunkBatch(q: Queryable, workspaceId: string, after: { documentId: string; position: number; id: string } | undefined, limit: number): Promise<ExportChunkRow[]> {
  const { rows } = await q.query<ExportChunkRow>(
    `SELECT id, source_id AS "sourceId", document_id AS "documentId", position, heading_path AS "headingPath", title, url, page, content
       FROM knowledge_chunks
      WHERE workspace_id = $1 AND ($2::uuid IS NULL OR (document_id, position, id) > ($2::uuid, $3::int, $4::uuid))
      ORDER BY document_id, position, id LIMIT $5`,
    [workspaceId, after?.documentId ?? null, after?.position ?? null, after?.id ?? null, limit],
  );
  return rows;
}
