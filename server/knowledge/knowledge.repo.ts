// Sources, their uploaded files and their documents (pages). Chunks: knowledge-chunks.repo.ts.
import type { Db, Queryable } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { vectorSupport } from './vector-schema.js';

export type SourceKind = 'text' | 'file' | 'url' | 'sitemap';
export type KnowledgeStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface KnowledgeSource {
  id: string;
  workspaceId: string;
  kind: SourceKind;
  title: string;
  url: string | null;
  status: KnowledgeStatus;
  error: string | null;
  documentCount: number;
  failedCount: number;
  chunkCount: number;
  progressDone: number;
  progressTotal: number | null;
  lastSyncedAt: Date | null;
  syncIntervalHours: number | null;
  nextSyncAt: Date | null;
  fileName: string | null;
  fileMime: string | null;
  fileSize: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewSource =
  /** Pasted text or Markdown: stored as the source's one document, pending chunking; url (optional) is where its citations link. */
  | { kind: 'text'; title: string; text: string; url?: string | null }
  | { kind: 'file'; title: string; file: { name: string; mime: string; data: Uint8Array } }
  | { kind: 'url' | 'sitemap'; title: string; url: string; syncIntervalHours?: number | null };

export interface SourcePatch {
  title?: string;
  status?: KnowledgeStatus;
  error?: string | null;
  progressDone?: number;
  progressTotal?: number | null;
  lastSyncedAt?: Date | null;
  syncIntervalHours?: number | null;
  nextSyncAt?: Date | null;
}

export const SOURCE_COLUMNS = `id, workspace_id AS "workspaceId", kind, title, url, status, error,
  document_count AS "documentCount", failed_count AS "failedCount", chunk_count AS "chunkCount",
  progress_done AS "progressDone", progress_total AS "progressTotal", last_synced_at AS "lastSyncedAt",
  sync_interval_hours AS "syncIntervalHours", next_sync_at AS "nextSyncAt",
  file_name AS "fileName", file_mime AS "fileMime", file_size AS "fileSize", created_at AS "createdAt", updated_at AS "updatedAt"`;

const SOURCE_PATCH: Record<keyof SourcePatch, string> = {
  title: 'title', status: 'status', error: 'error', progressDone: 'progress_done', progressTotal: 'progress_total',
  lastSyncedAt: 'last_synced_at', syncIntervalHours: 'sync_interval_hours', nextSyncAt: 'next_sync_at',
};

/** A new source, status pending; a file's bytes and a text's document are stored with it. */
export async function createSource(db: Db, workspaceId: string, input: NewSource): Promise<KnowledgeSource> {
  return withTenant(db, workspaceId, (q) => insertSource(q, workspaceId, input));
}

/** createSource in the caller's tenant transaction (the knowledge service audits it in the same one). */
export async function insertSource(q: Queryable, workspaceId: string, input: NewSource): Promise<KnowledgeSource> {
  const url = input.kind === 'url' || input.kind === 'sitemap' ? input.url : null;
  const file = input.kind === 'file' ? input.file : undefined;
  const interval = input.kind === 'url' || input.kind === 'sitemap' ? (input.syncIntervalHours ?? null) : null;
  const { rows: [source] } = await q.query<KnowledgeSource>(
    `INSERT INTO knowledge_sources (workspace_id, kind, title, url, sync_interval_hours, next_sync_at, file_name, file_mime, file_size)
     VALUES ($1, $2, $3, $4, $5::int, now() + make_interval(hours => $5::int), $6, $7, $8) RETURNING ${SOURCE_COLUMNS}`,
    [workspaceId, input.kind, input.title, url, interval, file?.name ?? null, file?.mime ?? null, file?.data.byteLength ?? null],
  );
  if (file) await q.query('INSERT INTO knowledge_files (source_id, workspace_id, data) VALUES ($1, $2, $3)', [source!.id, workspaceId, file.data]);
  if (input.kind === 'text') {
    await q.query('INSERT INTO knowledge_documents (workspace_id, source_id, url, title, markdown) VALUES ($1, $2, $3, $4, $5)', [workspaceId, source!.id, input.url ?? null, input.title, input.text]);
    await refreshSourceCounts(q, source!.id);
    return (await q.query<KnowledgeSource>(`SELECT ${SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1`, [source!.id])).rows[0]!;
  }
  return source!;
}

export async function getSource(db: Db, workspaceId: string, id: string): Promise<KnowledgeSource | undefined> {
  const { rows } = await withTenant(db, workspaceId, (q) => q.query<KnowledgeSource>(`SELECT ${SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1`, [id]));
  return rows[0];
}

/** Newest first. */
export async function listSources(db: Db, workspaceId: string, page: { limit?: number; offset?: number } = {}): Promise<KnowledgeSource[]> {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<KnowledgeSource>(`SELECT ${SOURCE_COLUMNS} FROM knowledge_sources ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`, [page.limit ?? 100, page.offset ?? 0]),
  );
  return rows;
}

/** Changes the given fields; a new syncIntervalHours also moves nextSyncAt (unless given). Undefined when there is no such source. */
export async function updateSource(db: Db, workspaceId: string, id: string, patch: SourcePatch): Promise<KnowledgeSource | undefined> {
  return withTenant(db, workspaceId, (q) => patchSource(q, id, patch));
}

/** updateSource in the caller's tenant transaction. */
export async function patchSource(q: Queryable, id: string, patch: SourcePatch): Promise<KnowledgeSource | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, column] of Object.entries(SOURCE_PATCH) as [keyof SourcePatch, string][]) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${column} = $${params.length}`);
  }
  if (patch.syncIntervalHours !== undefined && patch.nextSyncAt === undefined) {
    params.push(patch.syncIntervalHours);
    sets.push(`next_sync_at = coalesce(last_synced_at, now()) + make_interval(hours => $${params.length}::int)`);
  }
  const { rows } = sets.length === 0
    ? await q.query<KnowledgeSource>(`SELECT ${SOURCE_COLUMNS} FROM knowledge_sources WHERE id = $1`, [id])
    : await q.query<KnowledgeSource>(`UPDATE knowledge_sources SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${SOURCE_COLUMNS}`, params);
  return rows[0];
}

/** Deletes a source; its file, documents and chunks go with it (ON DELETE CASCADE). */
export async function deleteSource(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const { rowCount } = await withTenant(db, workspaceId, (q) => q.query('DELETE FROM knowledge_sources WHERE id = $1', [id]));
  return rowCount > 0;
}

/** An uploaded source's bytes, or undefined when it has none (or they were removed). */
export async function readSourceFile(db: Db, workspaceId: string, sourceId: string): Promise<Uint8Array | undefined> {
  const { rows } = await withTenant(db, workspaceId, (q) => q.query<{ data: Uint8Array }>('SELECT data FROM knowledge_files WHERE source_id = $1', [sourceId]));
  return rows[0]?.data;
}

export interface KnowledgeCounts {
  sources: number;
  documents: number;
  chunks: number;
  /** Chunks with an embedding; the rest are found by full text only. */
  embedded: number;
}

export async function knowledgeCounts(db: Db, workspaceId: string): Promise<KnowledgeCounts> {
  const embedded = (await vectorSupport(db)).available ? '(SELECT count(*)::int FROM knowledge_chunks WHERE embedding IS NOT NULL)' : '0';
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<KnowledgeCounts>(
      `SELECT (SELECT count(*)::int FROM knowledge_sources) AS sources, (SELECT count(*)::int FROM knowledge_documents) AS documents,
              (SELECT count(*)::int FROM knowledge_chunks) AS chunks, ${embedded} AS embedded`,
    ),
  );
  return rows[0]!;
}

/** Recounts a source's documents, failed documents and chunks, in the caller's tenant transaction. */
export async function refreshSourceCounts(q: Queryable, sourceId: string): Promise<void> {
  await q.query(
    `UPDATE knowledge_sources s SET
       document_count = (SELECT count(*) FROM knowledge_documents d WHERE d.source_id = s.id),
       failed_count = (SELECT count(*) FROM knowledge_documents d WHERE d.source_id = s.id AND d.status = 'failed'),
       chunk_count = (SELECT count(*) FROM knowledge_chunks c WHERE c.source_id = s.id),
       updated_at = now()
     WHERE s.id = $1`,
    [sourceId],
  );
}
