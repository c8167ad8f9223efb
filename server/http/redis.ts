import { Redis } from 'ioredis';
import type { Logger } from '../logging.js';

/**
 * One Redis connection for the whole process. Commands fail at once while it is down
 * (no offline queue), a command caught by the connection dropping fails after at most one
 * reconnection attempt, and a command to a Redis that does not answer (frozen, or gone
 * without closing the connection) fails after commandTimeout: callers fall back to this
 * process's memory instead of holding a request. The outage is logged once, and so is
 * the recovery; ioredis keeps reconnecting in the background.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000, commandTimeout: 1_000 });
  let healthy = true;
  redis.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: { name: err.name, message: err.message } }, 'redis unavailable; rate limits fall back to this process');
  });
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info('redis available again');
  });
  return redis;
}

/** Closes politely, or at once if Redis does not answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 1_000)))]);
  clearTimeout(timer);
  redis.disconnect();
}

/**
 * Waits, up to timeoutMs, for the first connection, so the first requests count in
 * Redis rather than in this process's fallback. Redis being down does not stop start-up.
 */
export async function redisReady(redis: Redis, timeoutMs = 3_000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
