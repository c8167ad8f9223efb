// A document's chunks into the database: only texts the workspace has not embedded before
// go to the provider, and with no key (or no pgvector) the chunks are stored for full-text
// search alone, to be embedded later (embedMissing).
import type { Db } from '../db/db.js';
import { chunkHash, embeddingText, type ChunkToStore } from './chunk-text.js';
import type { Embedder } from './embed/mistral-embed.js';
import { chunksWithoutEmbedding, embeddedHashes, replaceDocumentChunks, storeEmbeddings, type ReplaceResult } from './knowledge-chunks.repo.js';
import { vectorSupport } from './vector-schema.js';

export interface IndexDeps {
  db: Db;
  embedder: Embedder;
  /** The key to embed with; none: store without embeddings. */
  apiKey?: string;
  signal?: AbortSignal;
}

export interface IndexResult extends ReplaceResult {
  /** Texts sent to the provider. */
  embedded: number;
  /** Tokens the provider counted. */
  tokens: number;
}

/**
 * Makes the document's stored chunks exactly `chunks`. A provider failure (ProviderError)
 * is thrown before anything is written, so a job retries it; a caller that gives up can
 * call again without apiKey to keep the text searchable.
 */
export async function indexDocument(
  deps: IndexDeps,
  target: { workspaceId: string; sourceId: string; documentId: string; chunks: readonly ChunkToStore[] },
): Promise<IndexResult> {
  const { db, embedder } = deps;
  const vectors = new Map<string, number[]>();
  let tokens = 0;
  if (deps.apiKey && (await vectorSupport(db)).available) {
    const texts = new Map(target.chunks.map((c) => [chunkHash(c), embeddingText(c)]));
    const known = await embeddedHashes(db, target.workspaceId, [...texts.keys()], embedder.model);
    const needed = [...texts].filter(([hash]) => !known.has(hash));
    if (needed.length > 0) {
      const result = await embedder.embed({ apiKey: deps.apiKey, texts: needed.map(([, text]) => text), signal: deps.signal });
      needed.forEach(([hash], i) => vectors.set(hash, result.vectors[i]!));
      tokens = result.tokens;
    }
  }
  const written = await replaceDocumentChunks(db, target.workspaceId, { ...target, vectors, model: embedder.model });
  return { ...written, embedded: vectors.size, tokens };
}

/** Embeds up to limit texts of the workspace's chunks that have none; returns how many texts and rows. */
export async function embedMissing(deps: IndexDeps & { apiKey: string }, workspaceId: string, limit = 256): Promise<{ texts: number; rows: number; tokens: number }> {
  const missing = await chunksWithoutEmbedding(deps.db, workspaceId, limit);
  if (missing.length === 0) return { texts: 0, rows: 0, tokens: 0 };
  const result = await deps.embedder.embed({ apiKey: deps.apiKey, texts: missing.map((m) => m.text), signal: deps.signal });
  const rows = await storeEmbeddings(deps.db, workspaceId, new Map(missing.map((m, i) => [m.hash, result.vectors[i]!])), deps.embedder.model);
  return { texts: missing.length, rows, tokens: result.tokens };
}
