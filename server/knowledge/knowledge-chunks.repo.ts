// Chunks: written per document, skipping what is unchanged, with embeddings when the
// database has pgvector (vector-schema.ts) and the caller had them.
import type { Db, Queryable } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { chunkHash, embeddingText, vectorLiteral, type ChunkToStore } from './chunk-text.js';
import { refreshSourceCounts } from './knowledge.repo.js';
import { vectorSupport } from './vector-schema.js';

/** Rows per INSERT: a vector's text is about 10 kB, so a batch stays a few megabytes. */
const INSERT_BATCH = 200;

export interface ReplaceChunks {
  sourceId: string;
  documentId: string;
  /** The document's chunks, all of them, in order. */
  chunks: readonly ChunkToStore[];
  /** Embeddings by chunkHash(); a chunk without one reuses the workspace's embedding of the same hash, if any. */
  vectors?: ReadonlyMap<string, readonly number[]>;
  /** The model that made the vectors (and whose stored vectors may be reused). */
  model: string;
}

export interface ReplaceResult {
  /** New rows. */
  inserted: number;
  /** Rows whose text was unchanged (only their position, address or page may have moved). */
  kept: number;
  deleted: number;
  /** Rows of the document now without an embedding: full text finds them, the vector search does not. */
  withoutEmbedding: number;
}

/**
 * The hashes (of those given) that already have an embedding by model somewhere in the
 * workspace: their chunks need not be sent to the provider again. Empty without pgvector.
 */
export async function embeddedHashes(db: Db, workspaceId: string, hashes: readonly string[], model: string): Promise<Set<string>> {
  if (hashes.length === 0 || !(await vectorSupport(db)).available) return new Set();
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<{ hash: string }>(
      `SELECT DISTINCT encode(content_hash, 'hex') AS hash FROM knowledge_chunks
        WHERE content_hash = ANY(SELECT decode(h, 'hex') FROM unnest($1::text[]) h) AND embedding IS NOT NULL AND embedding_model = $2`,
      [hashes, model],
    ),
  );
  return new Set(rows.map((r) => r.hash));
}

/**
 * Makes a document's chunks exactly `chunks`, in one transaction: a stored chunk with the
 * same hash is kept (and moved), the others are deleted, new ones inserted. Marks the
 * document ready and recounts its source.
 */
export async function replaceDocumentChunks(db: Db, workspaceId: string, input: ReplaceChunks): Promise<ReplaceResult> {
  const vectors = (await vectorSupport(db)).available;
  return withTenant(db, workspaceId, async (q) => {
    const { rows: stored } = await q.query<{ id: string; hash: string; position: number; url: string | null; page: number | null; tokens: number }>(
      `SELECT id, encode(content_hash, 'hex') AS hash, position, url, page, token_estimate AS tokens FROM knowledge_chunks WHERE document_id = $1 ORDER BY position`,
      [input.documentId],
    );
    const unclaimed = new Map<string, typeof stored>();
    for (const row of stored) unclaimed.set(row.hash, [...(unclaimed.get(row.hash) ?? []), row]);
    const fresh: (ChunkToStore & { hash: string })[] = [];
    let kept = 0;
    for (const chunk of input.chunks) {
      const hash = chunkHash(chunk);
      const row = unclaimed.get(hash)?.shift();
      if (!row) {
        fresh.push({ ...chunk, hash });
        continue;
      }
      kept++;
      if (row.position !== chunk.position || row.url !== (chunk.url ?? null) || row.page !== (chunk.page ?? null) || row.tokens !== chunk.tokenEstimate) {
        await q.query('UPDATE knowledge_chunks SET position = $2, url = $3, page = $4, token_estimate = $5 WHERE id = $1', [row.id, chunk.position, chunk.url ?? null, chunk.page ?? null, chunk.tokenEstimate]);
      }
    }
    // Inserted before the old rows go, so an embedding moving between them can still be reused.
    for (let i = 0; i < fresh.length; i += INSERT_BATCH) {
      await insertChunks(q, workspaceId, input, fresh.slice(i, i + INSERT_BATCH), vectors);
    }
    const gone = [...unclaimed.values()].flat().map((r) => r.id);
    if (gone.length > 0) await q.query('DELETE FROM knowledge_chunks WHERE id = ANY($1::uuid[])', [gone]);
    const missing = vectors
      ? Number((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_chunks WHERE document_id = $1 AND embedding IS NULL', [input.documentId])).rows[0]!.n)
      : input.chunks.length;
    await q.query(
      `UPDATE knowledge_documents SET chunk_count = (SELECT count(*) FROM knowledge_chunks WHERE document_id = $1), status = 'ready', error = NULL, updated_at = now() WHERE id = $1`,
      [input.documentId],
    );
    await refreshSourceCounts(q, input.sourceId);
    return { inserted: fresh.length, kept, deleted: gone.length, withoutEmbedding: missing };
  });
}

async function insertChunks(q: Queryable, workspaceId: string, input: ReplaceChunks, rows: readonly (ChunkToStore & { hash: string })[], vectors: boolean): Promise<void> {
  const columns = [
    rows.map((r) => r.position), rows.map((r) => r.headingPath), rows.map((r) => r.title), rows.map((r) => r.url ?? null),
    rows.map((r) => r.page ?? null), rows.map((r) => r.content), rows.map((r) => r.hash), rows.map((r) => r.tokenEstimate),
  ];
  const unnest = (extra = '') => `unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::int[]${extra ? `, ${extra}` : ''})
                   AS n(position, heading_path, title, url, page, content, hash, tokens${extra ? ', vector' : ''})`;
  if (!vectors) {
    await q.query(
      `INSERT INTO knowledge_chunks (workspace_id, source_id, document_id, position, heading_path, title, url, page, content, content_hash, token_estimate)
       SELECT $1, $2, $3, n.position, n.heading_path, n.title, n.url, n.page, n.content, decode(n.hash, 'hex'), n.tokens FROM ${unnest()}`,
      [workspaceId, input.sourceId, input.documentId, ...columns],
    );
    return;
  }
  const given = rows.map((r) => {
    const v = input.vectors?.get(r.hash);
    return v ? vectorLiteral(v) : null;
  });
  await q.query(
    `INSERT INTO knowledge_chunks (workspace_id, source_id, document_id, position, heading_path, title, url, page, content, content_hash, token_estimate, embedding, embedding_model)
     SELECT $1, $2, $3, n.position, n.heading_path, n.title, n.url, n.page, n.content, decode(n.hash, 'hex'), n.tokens,
            e.embedding, CASE WHEN e.embedding IS NOT NULL THEN $12 END
       FROM ${unnest('$13::text[]')},
            LATERAL (SELECT coalesce(n.vector::vector, (SELECT c.embedding FROM knowledge_chunks c
                       WHERE c.content_hash = decode(n.hash, 'hex') AND c.embedding IS NOT NULL AND c.embedding_model = $12 LIMIT 1)) AS embedding) e`,
    [workspaceId, input.sourceId, input.documentId, ...columns, input.model, given],
  );
}

/** Up to limit distinct texts whose chunks have no embedding yet (stored while the provider was down or no key was set). */
export async function chunksWithoutEmbedding(db: Db, workspaceId: string, limit = 100): Promise<{ hash: string; text: string }[]> {
  if (!(await vectorSupport(db)).available) return [];
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<{ hash: string; title: string; headingPath: string; content: string }>(
      `SELECT DISTINCT ON (content_hash) encode(content_hash, 'hex') AS hash, title, heading_path AS "headingPath", content
         FROM knowledge_chunks WHERE embedding IS NULL ORDER BY content_hash LIMIT $1`,
      [limit],
    ),
  );
  return rows.map((r) => ({ hash: r.hash, text: embeddingText(r) }));
}

/** Stores embeddings (by chunk hash) on every chunk of the workspace with that hash and none yet; returns how many rows got one. */
export async function storeEmbeddings(db: Db, workspaceId: string, vectors: ReadonlyMap<string, readonly number[]>, model: string): Promise<number> {
  if (vectors.size === 0 || !(await vectorSupport(db)).available) return 0;
  const hashes = [...vectors.keys()];
  const { rowCount } = await withTenant(db, workspaceId, (q) =>
    q.query(
      `UPDATE knowledge_chunks c SET embedding = v.vector::vector, embedding_model = $1
         FROM unnest($2::text[], $3::text[]) AS v(hash, vector)
        WHERE c.content_hash = decode(v.hash, 'hex') AND c.embedding IS NULL`,
      [model, hashes, hashes.map((h) => vectorLiteral(vectors.get(h)!))],
    ),
  );
  return rowCount;
}

export interface StoredChunk {
  id: string;
  position: number;
  headingPath: string;
  title: string;
  url: string | null;
  page: number | null;
  content: string;
  tokenEstimate: number;
  embedded: boolean;
}

/** A document's chunks in order, for the admin panel. */
export async function listChunks(db: Db, workspaceId: string, documentId: string, page: { limit?: number; offset?: number } = {}): Promise<StoredChunk[]> {
  const embedded = (await vectorSupport(db)).available ? 'embedding IS NOT NULL' : 'false';
  const { rows } = await withTenant(db, workspaceId, (q) =>
    q.query<StoredChunk>(
      `SELECT id, position, heading_path AS "headingPath", title, url, page, content, token_estimate AS "tokenEstimate", ${embedded} AS embedded
         FROM knowledge_chunks WHERE document_id = $1 ORDER BY position, id LIMIT $2 OFFSET $3`,
      [documentId, page.limit ?? 100, page.offset ?? 0],
    ),
  );
  return rows;
}
