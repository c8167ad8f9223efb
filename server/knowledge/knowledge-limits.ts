// Rate limits of the knowledge routes, per workspace, shared by the admin panel and the
// server API: changes queue fetching and embedding work, and a test-console question costs
// an embeddings request on the workspace's key. Counted like every other limit
// (server/http/rate-limit.ts): Redis when there is one, memory otherwise.
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from '../http/errors.js';
import { DEFAULT_RATE_LIMIT_PREFIX } from '../http/rate-limit.js';

/** Per workspace per minute. */
export const KNOWLEDGE_RATE_LIMITS = {
  /** Adding, changing, re-syncing and deleting sources, together. */
  writes: 60,
  /** Test-console questions. */
  searches: 30,
} as const;

export interface KnowledgeLimits {
  write(res: Response, workspaceId: string): Promise<void>;
  search(res: Response, workspaceId: string): Promise<void>;
}

export function createKnowledgeLimits(options: { redis?: Redis | undefined; prefix?: string | undefined; limits?: { writes: number; searches: number } } = {}): KnowledgeLimits {
  const prefix = options.prefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const limits = options.limits ?? KNOWLEDGE_RATE_LIMITS;
  const limiter = (name: string, points: number): RateLimiterAbstract => {
    const keyPrefix = `${prefix}:knowledge:${name}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    if (!options.redis) return memory;
    return new RateLimiterRedis({ storeClient: options.redis, keyPrefix, points, duration: 60, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  };
  const writes = limiter('write', limits.writes);
  const searches = limiter('search', limits.searches);
  return {
    write: (res, workspaceId) => consume(res, writes, workspaceId, 'Too many changes to knowledge sources in this workspace. Please wait a minute and try again.'),
    search: (res, workspaceId) => consume(res, searches, workspaceId, 'Too many test questions in this workspace. Please wait a minute and try again.'),
  };
}

async function consume(res: Response, limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
    throw new HttpError(429, 'rate_limited', message);
  }
}
