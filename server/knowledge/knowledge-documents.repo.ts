// The documents (pages) of a source: what a re-sync compares against (validators and
// content hash) and what admins read when a page failed.
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { refreshSourceCounts, type KnowledgeStatus } from './knowledge.repo.js';

export interface KnowledgeDocument {
  id: string;
  sourceId: string;
  /** null for the one document of a text or file source. */
  url: string | null;
  title: string;
  etag: string | null;
  lastModified: string | null;
  /** SHA-256 of the content last extracted. */
  contentHash: Uint8Array | null;
  status: KnowledgeStatus;
  /** Why this page failed, in one sentence. */
  error: string | null;
  chunkCount: number;
  fetchedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DocumentPatch {
  title?: string;
  etag?: string | null;
  lastModified?: string | null;
  contentHash?: Uint8Array | null;
  /** The extracted Markdown the chunks are made from. */
  markdown?: string | null;
  status?: KnowledgeStatus;
  error?: string | null;
  fetchedAt?: Date | null;
}

const COLUMNS = `id, source_id AS "sourceId", url, title, etag, last_modified AS "lastModified", content_hash AS "contentHash",
  status, error, chunk_count AS "chunkCount", fetched_at AS "fetchedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

const PATCH: Record<keyof DocumentPatch, string> = {
  title: 'title', etag: 'etag', lastModified: 'last_modified', contentHash: 'content_hash', markdown: 'markdown',
  status: 'status', error: 'error', fetchedAt: 'fetched_at',
};

/** The source's document at url (null: its only document), created pending if new. */
export async function upsertDocument(db: Db, workspaceId: string, sourceId: string, doc: { url: string | null; title?: string }): Promise<KnowledgeDocument> {
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<KnowledgeDocument>(
      `INSERT INTO knowledge_documents (workspace_id, source_id, url, title) VALUES ($1, $2, $3, coalesce($4, ''))
       ON CONFLICT (source_id, (coalesce(url, ''))) DO UPDATE SET title = coalesce($4, knowledge_documents.title)
       RETURNING ${COLUMNS}`,
      [workspaceId, sourceId, doc.url, doc.title ?? null],
    );
    await refreshSourceCounts(q, sourceId);
    return rows[0]!;
  });
}

export async function getDocument(db: Db, workspaceId: string, id: string): Promise<(KnowledgeDocument & { markdown: string | null }) | undefined> {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<KnowledgeDocument & { markdown: string | null }>(`SELECT ${COLUMNS}, markdown FROM knowledge_documents WHERE id = $1`, [id]),
  );
  return rows[0];
}

/** A source's documents, failed ones first (admins look for those), then by address. */
export async function listDocuments(db: Db, workspaceId: string, sourceId: string, page: { limit?: number; offset?: number; status?: KnowledgeStatus } = {}): Promise<KnowledgeDocument[]> {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<KnowledgeDocument>(
      `SELECT ${COLUMNS} FROM knowledge_documents WHERE source_id = $1 AND ($2::text IS NULL OR status = $2)
        ORDER BY status = 'failed' DESC, url NULLS FIRST, id LIMIT $3 OFFSET $4`,
      [sourceId, page.status ?? null, page.limit ?? 100, page.offset ?? 0],
    ),
  );
  return rows;
}

/** Changes the given fields and the source's counts. Undefined when there is no such document. */
export async function updateDocument(db: Db, workspaceId: string, id: string, patch: DocumentPatch): Promise<KnowledgeDocument | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, column] of Object.entries(PATCH) as [keyof DocumentPatch, string][]) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${column} = $${params.length}`);
  }
  return withTenant(db, workspaceId, async (q) => {
    const { rows } = await q.query<KnowledgeDocument>(
      `UPDATE knowledge_documents SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
      params,
    );
    if (rows[0]) await refreshSourceCounts(q, rows[0].sourceId);
    return rows[0];
  });
}

/** Deletes a source's documents whose address is not in keep (pages gone from a sitemap), with their chunks; returns how many. */
export async function deleteDocumentsExcept(db: Db, workspaceId: string, sourceId: string, keep: readonly string[]): Promise<number> {
  return withTenant(db, workspaceId, async (q) => {
    const { rowCount } = await q.query('DELETE FROM knowledge_documents WHERE source_id = $1 AND NOT (coalesce(url, \'\') = ANY($2::text[]))', [sourceId, keep]);
    await refreshSourceCounts(q, sourceId);
    return rowCount;
  });
}
