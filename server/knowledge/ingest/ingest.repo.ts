// The few queries the pipeline needs beyond knowledge*.repo.ts: the workspace's key facts
// and OCR setting in one read, a sitemap's pages upserted in one statement, and sources
// whose sync job was lost.
import { RUNTIME_ROLE } from '../../config.js';
import type { Db } from '../../db/db.js';
import { withTenant } from '../../db/tenant.js';
import type { KeyFacts } from '../../providers/provider-key.js';
import type { KnowledgeDocument } from '../knowledge-documents.repo.js';
import { refreshSourceCounts } from '../knowledge.repo.js';

export interface IngestFacts extends KeyFacts {
  /** widget_settings.knowledge_allow_ocr (false without a settings row). */
  allowOcr: boolean;
}

export async function readIngestFacts(db: Db, workspaceId: string): Promise<IngestFacts> {
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<{ granted: boolean; keyId: string | null; nonce: Uint8Array | null; ciphertext: Uint8Array | null; allowOcr: boolean | null }>(
      `SELECT w.operator_key_granted_at IS NOT NULL AS granted, k.key_id AS "keyId", k.nonce, k.ciphertext, s.knowledge_allow_ocr AS "allowOcr"
         FROM workspaces w
         LEFT JOIN provider_keys k ON k.workspace_id = w.id AND k.provider = 'mistral'
         LEFT JOIN widget_settings s ON s.workspace_id = w.id
        WHERE w.id = $1`,
      [workspaceId],
    ),
  );
  const row = rows[0];
  return {
    sealedKey: row?.keyId && row.nonce && row.ciphertext ? { keyId: row.keyId, nonce: row.nonce, ciphertext: row.ciphertext } : undefined,
    operatorKeyGranted: row?.granted ?? false,
    allowOcr: row?.allowOcr ?? false,
  };
}

const DOCUMENT_COLUMNS = `id, source_id AS "sourceId", url, title, etag, last_modified AS "lastModified", content_hash AS "contentHash",
  status, error, chunk_count AS "chunkCount", fetched_at AS "fetchedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Makes a web source's documents exactly `urls`: new ones created pending, those no longer
 * listed deleted with their chunks. One transaction and one recount, however many pages.
 * Returns every document of the source, by address.
 */
export async function syncPageList(db: Db, workspaceId: string, sourceId: string, urls: readonly string[]): Promise<Map<string, KnowledgeDocument>> {
  return withTenant(db, workspaceId, async (q) => {
    await q.query(`DELETE FROM knowledge_documents WHERE source_id = $1 AND NOT (coalesce(url, '') = ANY($2::text[]))`, [sourceId, urls]);
    await q.query(
      `INSERT INTO knowledge_documents (workspace_id, source_id, url) SELECT $1, $2, u FROM unnest($3::text[]) AS u
       ON CONFLICT (source_id, (coalesce(url, ''))) DO NOTHING`,
      [workspaceId, sourceId, urls],
    );
    await refreshSourceCounts(q, sourceId);
    const { rows } = await q.query<KnowledgeDocument>(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE source_id = $1`, [sourceId]);
    return new Map(rows.map((d) => [d.url ?? '', d]));
  });
}

export interface StaleSource {
  workspaceId: string;
  sourceId: string;
}

/**
 * Sources left pending or processing, untouched for olderThanMinutes: their job was lost
 * (a restore brings sources back but not the job queue) or ended without finishing. A
 * running sync touches its source as pages complete, so it is not among them. Read like
 * listDueSources (knowledge-sync-view.ts): runtime role, app.job = 'knowledge_sync'.
 */
export async function listStaleSources(db: Db, olderThanMinutes: number, limit = 100): Promise<StaleSource[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SET LOCAL ROLE ${RUNTIME_ROLE}`);
    await tx.query("SELECT set_config('app.job', 'knowledge_sync', true)");
    const { rows } = await tx.query<StaleSource>(
      `SELECT workspace_id AS "workspaceId", id AS "sourceId" FROM knowledge_sources
        WHERE status IN ('pending', 'processing') AND updated_at < now() - make_interval(mins => $1::int)
        ORDER BY updated_at, id LIMIT $2`,
      [olderThanMinutes, limit],
    );
    return rows;
  });
}
