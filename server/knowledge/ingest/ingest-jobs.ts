// The knowledge pipeline's background jobs (server/jobs/): their names, payloads and defaults.
// Payloads carry ids only; everything else is read from the source's own rows in withTenant.
import { defineJob } from '../../jobs/job-types.js';

export const SYNC_JOB = 'knowledge-sync';
export const EMBED_JOB = 'knowledge-embed';

/** Retries of a sync after its first try (a database outage, a crash); the last one marks the source failed. */
export const SYNC_RETRY_LIMIT = 5;

export type SyncPayload = { workspaceId: string; sourceId: string };
export type EmbedPayload = { workspaceId: string };

export const knowledgeJobs = {
  /**
   * Fetches, extracts, chunks and stores one source. One per source at a time across
   * instances; one sent while a sync runs starts after it (a re-sync asked for mid-run
   * sees the pages as they are then). An hour is ample for 2,000 pages, most of them 304s,
   * and is also how long a crashed instance's sync waits before another runs it again.
   */
  [SYNC_JOB]: defineJob<SyncPayload>({ singletonKey: (d) => d.sourceId, retryLimit: SYNC_RETRY_LIMIT, expireInSeconds: 3_600 }),
  /**
   * Embeds a workspace's chunks that have no embedding yet, 256 texts a request. One per
   * workspace at a time, so no text is sent twice; a provider outage retries it with
   * back-off (1, 2, 4 … minutes, about a day in all).
   */
  [EMBED_JOB]: defineJob<EmbedPayload>({ singletonKey: (d) => d.workspaceId, retryLimit: 10, retryDelaySeconds: 60, expireInSeconds: 3_600 }),
};
