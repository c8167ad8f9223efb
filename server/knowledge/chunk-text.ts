import { createHash } from 'node:crypto';

/** What a chunk is stored from: the chunker's Chunk (server/knowledge/chunk/chunk.ts) fits. */
export interface ChunkToStore {
  position: number;
  title: string;
  /** "Billing > Refunds"; '' before the first heading. */
  headingPath: string;
  content: string;
  tokenEstimate: number;
  page?: number;
  url?: string;
}

/**
 * The text that is embedded: the chunk with its title and headings, so that "How long do
 * refunds take?" finds a passage that only says "14 days" under the heading "Refunds".
 */
export function embeddingText(chunk: Pick<ChunkToStore, 'title' | 'headingPath' | 'content'>): string {
  const context = [chunk.title, chunk.headingPath].filter((s) => s.length > 0).join(' > ');
  return context ? `${context}\n\n${chunk.content}` : chunk.content;
}

/** SHA-256 of embeddingText, hex: equal hashes share one embedding. */
export function chunkHash(chunk: Pick<ChunkToStore, 'title' | 'headingPath' | 'content'>): string {
  return createHash('sha256').update(embeddingText(chunk)).digest('hex');
}

/** pgvector's text form of a vector: '[0.1,0.2,…]'. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(',')}]`;
}
