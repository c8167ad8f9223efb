import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from './errors.js';

/** Points per minute, as docs/widget-api.md promises them. */
export const RATE_LIMITS = {
  messagePerVisitor: 20,
  messagePerIp: 60,
  messagePerWorkspace: 600,
  sessionPerIp: 30,
} as const;
const WINDOW_SECONDS = 60;
export const DEFAULT_RATE_LIMIT_PREFIX = 'parley:rl';

export interface RateLimits {
  /** Counts a visitor's message against its visitor, its IP address and its workspace. */
  message(res: Response, keys: { visitorId: string; ip: string; workspaceId: string }): Promise<void>;
  /** Counts a session against the IP address asking for it. */
  session(res: Response, ip: string): Promise<void>;
}

/**
 * Counters in Redis when there is one, shared by every instance; in memory otherwise.
 * While Redis is unreachable each instance counts in its own memory rather than letting
 * everything through or refusing everyone.
 */
export function createRateLimits(options: { redis?: Redis; prefix?: string } = {}): RateLimits {
  const prefix = options.prefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const limiter = (name: string, points: number): RateLimiterAbstract => {
    const keyPrefix = `${prefix}:${name}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
    if (!options.redis) return memory;
    return new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix,
      points,
      duration: WINDOW_SECONDS,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  };
  const perVisitor = limiter('message:visitor', RATE_LIMITS.messagePerVisitor);
  const perIp = limiter('message:ip', RATE_LIMITS.messagePerIp);
  const perWorkspace = limiter('message:workspace', RATE_LIMITS.messagePerWorkspace);
  const sessionPerIp = limiter('session:ip', RATE_LIMITS.sessionPerIp);

  return {
    message: (res, keys) => consume(res, [[perVisitor, keys.visitorId], [perIp, keys.ip], [perWorkspace, keys.workspaceId]]),
    session: (res, ip) => consume(res, [[sessionPerIp, ip]]),
  };
}

async function consume(res: Response, counters: [RateLimiterAbstract, string][]): Promise<void> {
  const results = await Promise.allSettled(counters.map(([limiter, key]) => limiter.consume(key)));
  let waitMs = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
    waitMs = Math.max(waitMs, result.reason.msBeforeNext);
  }
  if (results.every((r) => r.status === 'fulfilled')) return;
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
  throw new HttpError(429, 'rate_limited', 'Too many requests. Please wait a moment and try again.');
}
