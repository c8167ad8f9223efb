// Queuing the embed job after (and during) a sync.
import { chunksWithoutEmbedding } from '../knowledge-chunks.repo.js';
import type { IngestDeps } from './sync-context.js';

/**
 * Chunks stored without an embedding (new text, or left over from a provider outage or a
 * time without a key) are embedded by the embed job, queued after every sync (and during a
 * long one). Without a key nothing is queued: the next sync after a key is set queues it.
 */
export async function queueEmbedIfMissing(deps: IngestDeps, workspaceId: string): Promise<void> {
  try {
    if ((await chunksWithoutEmbedding(deps.db, workspaceId, 1)).length > 0) await deps.queueEmbed(workspaceId);
  } catch (err) {
    deps.logger.warn({ err, workspaceId }, 'knowledge: could not queue the embedding of new chunks; the next sync does');
  }
}
