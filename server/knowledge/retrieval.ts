// Hybrid retrieval: the best chunks by vector (cosine, HNSW) and by full text, fused by
// reciprocal rank (rrf.ts). Without pgvector or without a query embedding (provider down,
// no key) the full-text half answers alone.
import type { Db, Queryable } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { vectorLiteral } from './chunk-text.js';
import { fuseRanks, RRF_K } from './rrf.js';
import { EMBEDDING_DIMENSIONS, vectorSupport } from './vector-schema.js';

export interface RetrievedPassage {
  chunkId: string;
  sourceId: string;
  documentId: string;
  title: string;
  url: string | null;
  page: number | null;
  headingPath: string;
  content: string;
  /** Fused score, 0..1: 1 when first by both searches, 0.5 when first by one (rrf.ts). */
  score: number;
  /** 1-based place in the vector search, when it found the chunk. */
  vectorRank?: number;
  /** 1-based place in the full-text search, when it found the chunk. */
  textRank?: number;
  /** Cosine similarity to the question, when the vector search found the chunk. */
  similarity?: number;
}

export interface RetrieveOptions {
  /** Passages returned. */
  limit?: number;
  /** Candidates taken from each search before fusing. */
  candidates?: number;
  /**
   * Score floor for chunks only the vector search found: at least this cosine similarity.
   * A guess for mistral-embed (unrelated texts score around 0.6 with it); the test console
   * shows the similarities to tune it with.
   */
  minSimilarity?: number;
  /** Floor on the fused score (0..1). */
  minScore?: number;
}

export const RETRIEVAL_DEFAULTS = { limit: 5, candidates: 20, minSimilarity: 0.7, minScore: 0 } as const;

export interface RetrievalResult {
  passages: RetrievedPassage[];
  /** 'text' when the vector half did not run (no pgvector, or no query embedding). */
  mode: 'hybrid' | 'text';
}

export async function retrieve(
  db: Db,
  workspaceId: string,
  query: { text: string; embedding?: readonly number[] | null },
  options: RetrieveOptions = {},
): Promise<RetrievalResult> {
  const o = { ...RETRIEVAL_DEFAULTS, ...options };
  const embedding = query.embedding?.length === EMBEDDING_DIMENSIONS ? query.embedding : undefined;
  const hybrid = embedding !== undefined && (await vectorSupport(db)).available;
  return withTenant(db, workspaceId, async (q) => {
    const vectorHits = hybrid ? await vectorSearch(q, embedding, o.candidates) : [];
    const textIds = await textSearch(q, query.text, o.candidates);
    const fused = fuseRanks(vectorHits, textIds, { k: RRF_K, minSimilarity: o.minSimilarity, minScore: o.minScore }).slice(0, o.limit);
    if (fused.length === 0) return { passages: [], mode: hybrid ? 'hybrid' : 'text' };
    const { rows } = await q.query<Omit<RetrievedPassage, 'score'>>(
      `SELECT id AS "chunkId", source_id AS "sourceId", document_id AS "documentId", title, url, page, heading_path AS "headingPath", content
         FROM knowledge_chunks WHERE id = ANY($1::uuid[])`,
      [fused.map((f) => f.id)],
    );
    const byId = new Map(rows.map((r) => [r.chunkId, r]));
    const passages = fused.flatMap(({ id, ...scores }) => {
      const row = byId.get(id);
      return row ? [{ ...row, ...scores }] : [];
    });
    return { passages, mode: hybrid ? 'hybrid' : 'text' };
  });
}

/**
 * Below this many chunks in the workspace, the vector search compares them all (exact);
 * above, it walks the HNSW index. The planner cannot choose well itself: each 4 kB vector
 * is read from TOAST (about 16 µs each, 80 ms for 5,000), a cost it does not see, so it
 * would scan every chunk where the index answers in a few milliseconds.
 */
export const EXACT_SEARCH_MAX_CHUNKS = 500;

async function vectorSearch(q: Queryable, embedding: readonly number[], candidates: number): Promise<{ id: string; similarity: number }[]> {
  const { rows: [size] } = await q.query<{ chunks: number }>('SELECT coalesce(sum(chunk_count), 0)::int AS chunks FROM knowledge_sources');
  const useIndex = size!.chunks > EXACT_SEARCH_MAX_CHUNKS;
  // Row security filters the index's nearest neighbours to this workspace's: strict_order
  // makes HNSW keep scanning until it has enough of them (pgvector 0.8 iterative scans).
  await q.query(
    `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'strict_order', true),
            set_config('enable_seqscan', $2, true), set_config('enable_sort', $2, true)`,
    [String(Math.max(200, candidates * 4)), useIndex ? 'off' : 'on'],
  );
  const { rows } = await q.query<{ id: string; similarity: number }>(
    `SELECT id, 1 - (embedding <=> $1::vector) AS similarity FROM knowledge_chunks
      WHERE embedding IS NOT NULL ORDER BY embedding <=> $1::vector LIMIT $2`,
    [vectorLiteral(embedding), candidates],
  );
  if (useIndex) await q.query("SELECT set_config('enable_seqscan', 'on', true), set_config('enable_sort', 'on', true)");
  return rows;
}

/**
 * The best chunks by full text, ranked (migration 0015: a function, so that the GIN index
 * can serve it where row security allows; it keeps to the transaction's workspace itself).
 */
async function textSearch(q: Queryable, text: string, candidates: number): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM parley_knowledge_text_search($1, $2)', [text, candidates]);
  return rows.map((r) => r.id);
}
