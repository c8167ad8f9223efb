import { knowledgeJobs } from '../knowledge/ingest/ingest-jobs.js';
import type { JobDefinitions } from './job-types.js';

/**
 * Every kind of background job Parley runs, by queue name, with its payload type and
 * defaults; createJobQueue(…, jobs: parleyJobs) creates a pg-boss queue for each at start.
 * A feature adds its own, e.g.
 *
 *   'knowledge-sync': defineJob<{ workspaceId: string; sourceId: string }>({
 *     singletonKey: (d) => d.sourceId, expireInSeconds: 3_600 }),
 *
 * and its handler (server/<feature>/…job.ts) opens withTenant(db, data.workspaceId, …)
 * for every tenant row it touches: the queue's own connection has no tenant.
 * A name, once used, stays: renaming one strands the jobs waiting under the old name.
 */
export const parleyJobs = { ...knowledgeJobs } satisfies JobDefinitions;

export type ParleyJobs = typeof parleyJobs;
