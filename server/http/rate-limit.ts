import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from './errors.js';

/** Points per minute: the defaults of the RATE_LIMIT_* variables (server/config.ts), as docs/widget-api.md lists them. */
export const RATE_LIMITS = {
  messagePerVisitor: 20,
  messagePerIp: 60,
  messagePerWorkspace: 600,
  /** Creating or deleting a conversation: a person needs a few a minute. */
  conversationPerVisitor: 10,
  conversationPerIp: 60,
  conversationPerWorkspace: 600,
  sessionPerIp: 30,
} as const;

/** Each limit in points per minute, as configured. */
export type RateLimitSettings = { readonly [K in keyof typeof RATE_LIMITS]: number };

const WINDOW_SECONDS = 60;
export const DEFAULT_RATE_LIMIT_PREFIX = 'parley:rl';

/** Whose request it is: each limit counts one of these. */
export interface VisitorKeys {
  visitorId: string;
  ip: string;
  workspaceId: string;
}

export interface RateLimits {
  /** Counts a visitor's message against its visitor, its IP address and its workspace. */
  message(res: Response, keys: VisitorKeys): Promise<void>;
  /** Counts creating or deleting a conversation, likewise. */
  conversation(res: Response, keys: VisitorKeys): Promise<void>;
  /** Counts a session against the IP address asking for it. */
  session(res: Response, ip: string): Promise<void>;
}

/**
 * Counters in Redis when there is one, shared by every instance; in memory otherwise.
 * While Redis is unreachable each instance counts in its own memory rather than letting
 * everything through or refusing everyone.
 */
export function createRateLimits(options: { redis?: Redis; prefix?: string; limits?: RateLimitSettings } = {}): RateLimits {
  const prefix = options.prefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const limits = options.limits ?? RATE_LIMITS;
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
  const perVisitor = limiter('message:visitor', limits.messagePerVisitor);
  const perIp = limiter('message:ip', limits.messagePerIp);
  const perWorkspace = limiter('message:workspace', limits.messagePerWorkspace);
  const conversationPerVisitor = limiter('conversation:visitor', limits.conversationPerVisitor);
  const conversationPerIp = limiter('conversation:ip', limits.conversationPerIp);
  const conversationPerWorkspace = limiter('conversation:workspace', limits.conversationPerWorkspace);
  const sessionPerIp = limiter('session:ip', limits.sessionPerIp);

  return {
    message: (res, keys) => consume(res, [[perVisitor, keys.visitorId], [perIp, keys.ip], [perWorkspace, keys.workspaceId]]),
    conversation: (res, keys) =>
      consume(res, [[conversationPerVisitor, keys.visitorId], [conversationPerIp, keys.ip], [conversationPerWorkspace, keys.workspaceId]]),
    session: (res, ip) => consume(res, [[sessionPerIp, ip]]),
  };
}

/**
 * Charges the counters one after another, narrowest first, and stops at the first that
 * refuses: a visitor over its own limit spends nothing of its address's or workspace's
 * points, so one visitor cannot close a workspace's chat for everybody. The counters
 * already charged for a refused request get their point back.
 */
async function consume(res: Response, counters: [RateLimiterAbstract, string][]): Promise<void> {
  const charged: [RateLimiterAbstract, string][] = [];
  for (const [limiter, key] of counters) {
    try {
      await limiter.consume(key);
      charged.push([limiter, key]);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      // A refund that fails (Redis gone) costs the visitor one point: never the request.
      await Promise.allSettled(charged.map(([l, k]) => l.reward(k, 1)));
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      throw new HttpError(429, 'rate_limited', 'Too many requests. Please wait a moment and try again.');
    }
  }
}
