// What the knowledge routes (admin panel and server API) share, built once by createApp.
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import type { Logger } from '../logging.js';
import { mistralEmbedder, type Embedder } from './embed/mistral-embed.js';
import { toAllowList, type AllowList } from './fetch/address-guard.js';
import type { EnqueueSync } from './ingest/enqueue-sync.js';
import { createKnowledgeLimits, type KnowledgeLimits } from './knowledge-limits.js';

export interface KnowledgeDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Queues a source's sync (server/knowledge/ingest/): the request never waits for the work. */
  enqueueSync: EnqueueSync;
  /** Embeds test-console questions. */
  embedder: Embedder;
  limits: KnowledgeLimits;
  /** KNOWLEDGE_FETCH_ALLOW_NETWORKS, for checking addresses before they are stored. */
  allow: AllowList;
}

export function knowledgeDeps(options: { config: Config; db: Db; logger: Logger; enqueueSync: EnqueueSync; redis?: Redis | undefined; rateLimitPrefix?: string | undefined }): KnowledgeDeps {
  const { config, db, logger, enqueueSync } = options;
  return {
    db,
    config,
    logger,
    enqueueSync,
    // One retry at most: a person is waiting, and full text answers if the embedding fails.
    embedder: mistralEmbedder({ serverUrl: config.mistral.serverUrl, maxAttempts: 2, maxRetryAfterMs: 2_000 }),
    limits: createKnowledgeLimits({ redis: options.redis, prefix: options.rateLimitPrefix }),
    allow: toAllowList(config.knowledgeFetch.allowNetworks),
  };
}
