// The knowledge-sync job: one source from pending (or ready, on a re-sync) through
// processing to ready or failed, with its counts, progress and next scheduled sync.
import type { JobContext, JsonObject } from '../../jobs/job-types.js';
import { chooseProviderKey } from '../../providers/provider-key.js';
import { getSource, updateSource, type KnowledgeSource } from '../knowledge.repo.js';
import { SYNC_RETRY_LIMIT, type SyncPayload } from './ingest-jobs.js';
import { readIngestFacts } from './ingest.repo.js';
import type { IngestDeps, SyncRun } from './sync-context.js';
import { queueEmbedIfMissing } from './sync-embed.js';
import { syncSitemap } from './sync-sitemap.js';
import { RetryLater, syncFile, syncText } from './sync-stored.js';
import { syncUrl, type SourceOutcome } from './sync-url.js';

const HOUR_MS = 3_600_000;

export async function runSync(deps: IngestDeps, { workspaceId, sourceId }: SyncPayload, job: JobContext): Promise<JsonObject> {
  const { db, config, logger } = deps;
  const source = await getSource(db, workspaceId, sourceId);
  // Deleted since it was queued: nothing to do, and nothing to retry.
  if (!source) return { skipped: 'the source no longer exists' };
  await updateSource(db, workspaceId, sourceId, { status: 'processing', error: null, progressDone: 0, progressTotal: source.kind === 'sitemap' ? null : 1 });
  const facts = await readIngestFacts(db, workspaceId);
  const key = chooseProviderKey(config, workspaceId, facts, logger);
  const run: SyncRun = {
    deps, workspaceId, source, signal: job.signal, hasKey: key !== undefined,
    ocr: { allowed: facts.allowOcr, apiKey: key?.apiKey, serverUrl: config.mistral.serverUrl },
  };

  let outcome: SourceOutcome;
  try {
    outcome = await syncByKind(run, job);
  } catch (err) {
    // Shutdown or expiry: the queue runs it again; the source stays processing meanwhile, as it is.
    if (job.signal.aborted) throw err;
    if (!(await getSource(db, workspaceId, sourceId).catch(() => source))) return { skipped: 'the source was deleted during the sync' };
    if (job.retryCount >= SYNC_RETRY_LIMIT) {
      // The last try: say so on the source, or it would show processing for ever.
      const error = err instanceof RetryLater ? err.message : `Parley could not finish this sync after ${SYNC_RETRY_LIMIT + 1} tries (an internal step or the database failed); use Re-sync to try again.`;
      await finish(deps, source, { status: 'failed', error }).catch((e: unknown) => logger.warn({ err: e, sourceId }, 'knowledge: could not record a failed sync'));
    }
    throw err;
  }
  await finish(deps, source, outcome);
  if (key) await queueEmbedIfMissing(deps, workspaceId);
  return { status: outcome.status, ...(outcome.status === 'ready' && outcome.pages && { pages: outcome.pages }) };
}

async function syncByKind(run: SyncRun, job: JobContext): Promise<SourceOutcome> {
  switch (run.source.kind) {
    case 'text':
      return syncText(run);
    case 'file':
      return syncFile(run);
    case 'url':
      return syncUrl(run);
    case 'sitemap':
      return syncSitemap(run, (done, total) => job.progress({ done, total }));
  }
}

async function finish(deps: IngestDeps, source: KnowledgeSource, outcome: SourceOutcome): Promise<void> {
  const now = new Date();
  const current = await getSource(deps.db, source.workspaceId, source.id);
  if (!current) return;
  // The interval as it is now: an admin may have changed it during the sync.
  const interval = current.syncIntervalHours;
  await updateSource(deps.db, source.workspaceId, source.id, {
    status: outcome.status,
    error: outcome.error?.slice(0, 2000) ?? null,
    // A sitemap that could not be read never knew its total: 0 of 0.
    progressDone: current.progressTotal ?? 0,
    progressTotal: current.progressTotal ?? 0,
    lastSyncedAt: now,
    nextSyncAt: interval ? new Date(now.getTime() + interval * HOUR_MS) : null,
  });
}
