import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Failures allowed free, then each one doubles the wait from baseMs up to maxMs. */
export interface BackoffPolicy {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
}

export interface SignInThrottleOptions {
  account?: Partial<BackoffPolicy>;
  ip?: Partial<BackoffPolicy>;
}

/** Per account: a person who forgot their password; per IP: one address guessing across accounts (looser, for shared offices). */
export const DEFAULT_SIGN_IN_BACKOFF: { account: BackoffPolicy; ip: BackoffPolicy } = {
  account: { freeFailures: 5, baseMs: 1_000, maxMs: 15 * 60_000 },
  ip: { freeFailures: 20, baseMs: 1_000, maxMs: 15 * 60_000 },
};
/** A key's failures are forgotten this long after its last attempt. */
const FORGET_MS = 24 * 60 * 60_000;

export interface AttemptKeys {
  email: string;
  ip: string;
}

export interface SignInThrottle {
  /**
   * Counts an attempt against the account and the IP before the password is checked, so
   * parallel guesses cannot all slip through one check. Returns how long to wait (ms)
   * when the attempt came too soon and must be refused, else 0.
   */
  attempt(keys: AttemptKeys): Promise<number>;
  /** The password was right: the account starts afresh and the IP gets its attempt back. */
  succeeded(keys: AttemptKeys): Promise<void>;
}

interface Counter {
  /** Adds one attempt; returns the failures and last attempt time from before it. */
  increment(key: string, now: number): Promise<{ failures: number; last: number }>;
  adjust(key: string, by: number | 'reset'): Promise<void>;
}

/** Redis when given and connected, shared by every instance; this process's memory otherwise. */
export function createSignInThrottle(options: SignInThrottleOptions & { redis?: Redis; prefix: string; now?: () => number }): SignInThrottle {
  const account = { ...DEFAULT_SIGN_IN_BACKOFF.account, ...options.account };
  const ip = { ...DEFAULT_SIGN_IN_BACKOFF.ip, ...options.ip };
  const now = options.now ?? Date.now;
  const memory = memoryCounter();
  const redis = options.redis ? withFallback(redisCounter(options.redis), memory) : undefined;
  const counter = (): Counter => (redis && options.redis!.status === 'ready' ? redis : memory);
  const keysOf = (k: AttemptKeys): [string, BackoffPolicy][] => [
    // Hashed: the shared store holds no email addresses.
    [`${options.prefix}:signin:acct:${createHash('sha256').update(k.email.trim().toLowerCase()).digest('hex')}`, account],
    [`${options.prefix}:signin:ip:${k.ip}`, ip],
  ];

  return {
    async attempt(keys) {
      const at = now();
      let waitMs = 0;
      for (const [key, policy] of keysOf(keys)) {
        const before = await counter().increment(key, at);
        if (before.last + delay(policy, before.failures) > at) waitMs = Math.max(waitMs, delay(policy, before.failures + 1));
      }
      return waitMs;
    },
    async succeeded(keys) {
      const [[accountKey], [ipKey]] = keysOf(keys) as [[string, BackoffPolicy], [string, BackoffPolicy]];
      await counter().adjust(accountKey, 'reset');
      await counter().adjust(ipKey, -1);
    },
  };
}

/** The wait imposed after `failures` failures. */
export function delay(policy: BackoffPolicy, failures: number): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - policy.freeFailures, 40));
}

function memoryCounter(): Counter {
  const states = new Map<string, { failures: number; last: number }>();
  return {
    async increment(key, now) {
      if (states.size > 100_000) for (const [k, s] of states) if (s.last + FORGET_MS < now) states.delete(k);
      const stored = states.get(key);
      const before = stored && stored.last + FORGET_MS > now ? { ...stored } : { failures: 0, last: 0 };
      states.set(key, { failures: before.failures + 1, last: now });
      return before;
    },
    async adjust(key, by) {
      const state = states.get(key);
      if (!state) return;
      if (by === 'reset' || state.failures + by <= 0) states.delete(key);
      else state.failures += by;
    },
  };
}

/** While Redis fails, this process counts alone rather than letting every guess through or refusing everyone. */
function withFallback(primary: Counter, fallback: Counter): Counter {
  return {
    increment: (key, now) => primary.increment(key, now).catch(() => fallback.increment(key, now)),
    adjust: (key, by) => primary.adjust(key, by).catch(() => fallback.adjust(key, by)),
  };
}

function redisCounter(redis: Redis): Counter {
  return {
    async increment(key, now) {
      const results = await redis.multi().hget(key, 'last').hincrby(key, 'failures', 1).hset(key, 'last', String(now)).pexpire(key, FORGET_MS).exec();
      if (!results || results.some(([err]) => err)) throw new Error('sign-in throttle: redis transaction failed');
      const last = Number(results[0]![1] ?? 0);
      return { failures: Number(results[1]![1]) - 1, last: Number.isFinite(last) ? last : 0 };
    },
    async adjust(key, by) {
      if (by === 'reset') await redis.del(key);
      else await redis.hincrby(key, 'failures', by);
    },
  };
}
