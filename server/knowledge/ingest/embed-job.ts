// The knowledge-embed job: a workspace's chunks without an embedding get one, 256 distinct
// texts at a time, until none is left. The only place ingestion calls the embeddings API,
// and one run per workspace at a time (the job's singleton key), so a text is sent once:
// chunks whose text the workspace has embedded before got that embedding when stored.
import type { JobContext, JsonObject } from '../../jobs/job-types.js';
import { chooseProviderKey } from '../../providers/provider-key.js';
import { ProviderError } from '../../providers/provider.js';
import { embedMissing } from '../index-document.js';
import type { EmbedPayload } from './ingest-jobs.js';
import { readIngestFacts } from './ingest.repo.js';
import type { IngestDeps } from './sync-context.js';

/** Texts per round: two requests at most (128 inputs each), then a commit. */
const TEXTS_PER_ROUND = 256;
/** Worth waiting for: the job fails this try and the queue retries it with back-off. */
const RETRY_LATER = new Set(['rate_limited', 'unavailable', 'timeout', 'aborted']);

export async function runEmbed(deps: IngestDeps, { workspaceId }: EmbedPayload, job: JobContext): Promise<JsonObject> {
  const { db, config, logger, embedder } = deps;
  const key = chooseProviderKey(config, workspaceId, await readIngestFacts(db, workspaceId), logger);
  if (!key) return { skipped: 'no Mistral key' };
  const totals = { texts: 0, rows: 0, tokens: 0 };
  try {
    for (;;) {
      job.signal.throwIfAborted();
      const round = await embedMissing({ db, embedder, apiKey: key.apiKey, signal: job.signal }, workspaceId, TEXTS_PER_ROUND);
      totals.texts += round.texts;
      totals.rows += round.rows;
      totals.tokens += round.tokens;
      // rows 0: what was missing went away meanwhile (a source deleted); never spin on it.
      if (round.texts === 0 || round.rows === 0) break;
      await job.progress(totals);
    }
  } catch (err) {
    if (!(err instanceof ProviderError) || RETRY_LATER.has(err.kind)) {
      if (totals.texts > 0) logger.info({ workspaceId, ...totals }, 'knowledge: embedded part of the new chunks before stopping');
      throw err;
    }
    // The key was refused or the request rejected: retrying would fail the same way. The
    // chunks stay searchable by full text; the next sync (after the key is fixed) queues this again.
    logger.warn({ workspaceId, kind: err.kind, detail: err.detail, ...totals }, 'knowledge: the provider refused to embed new chunks');
    return { stopped: err.kind, ...totals };
  }
  if (totals.texts > 0) logger.info({ workspaceId, ...totals }, 'knowledge: new chunks embedded');
  return totals;
}
