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
  /** The clock, in ms; tests move it by hand. */
  now?: () => number;
}

/** Per account: a person who forgot their password; per IP: one address guessing across accounts (looser, for shared offices). */
export const DEFAULT_SIGN_IN_BACKOFF: { account: BackoffPolicy; ip: BackoffPolicy } = {
  account: { freeFailures: 5, baseMs: 1_000, maxMs: 15 * 60_000 },
  ip: { freeFailures: 20, baseMs: 1_000, maxMs: 15 * 60_000 },
};
/** A key's failures are forgotten this long after its last counted attempt. */
const FORGET_MS = 24 * 60 * 60_000;

export interface AttemptKeys {
  email: string;
  ip: string;
  /**
   * A device cookie already verified for this account (device-cookie.ts). The account's
   * lock does not stop it, so an attacker who keeps the account locked does not keep its
   * owner out; the device has a lock of its own instead, and its failures still count
   * against the account.
   */
  device?: string | undefined;
}

export interface SignInThrottle {
  /**
   * Counts an attempt before the password is checked, so parallel guesses cannot all slip
   * through one check. An attempt refused because a key is locked counts nowhere and moves
   * no lock: attempts during a lock cannot prolong it. Returns the ms until the lock ends
   * when refused, else 0.
   */
  attempt(keys: AttemptKeys): Promise<number>;
  /** The password was right: the account and device start afresh and the IP gets its attempt back. */
  succeeded(keys: AttemptKeys): Promise<void>;
}

interface Counter {
  /** Ms left of the key's lock at `now` under policy, 0 when open. Changes nothing. */
  peek(key: string, policy: BackoffPolicy, now: number): Promise<number>;
  /** Atomically: when open (or `force`), one more failure with `last` = now, and 0; when locked, the ms left and no change. */
  take(key: string, policy: BackoffPolicy, now: number, force: boolean): Promise<number>;
  adjust(key: string, by: number | 'reset'): Promise<void>;
}

type Charge = { key: string; policy: BackoffPolicy; force: boolean };

/** Redis when given and connected, shared by every instance; this process's memory otherwise. */
export function createSignInThrottle(options: SignInThrottleOptions & { redis?: Redis | undefined; prefix: string }): SignInThrottle {
  const account = { ...DEFAULT_SIGN_IN_BACKOFF.account, ...options.account };
  const ip = { ...DEFAULT_SIGN_IN_BACKOFF.ip, ...options.ip };
  const now = options.now ?? Date.now;
  const memory = memoryCounter();
  const redis = options.redis ? withFallback(redisCounter(options.redis), memory) : undefined;
  const counter = (): Counter => (redis && options.redis!.status === 'ready' ? redis : memory);
  // Hashed: the shared store holds no email addresses and no device ids.
  const hashed = (text: string) => createHash('sha256').update(text).digest('hex');
  const accountKey = (k: AttemptKeys) => `${options.prefix}:signin:acct:${hashed(k.email.trim().toLowerCase())}`;
  const charges = (k: AttemptKeys): Charge[] => [
    { key: `${options.prefix}:signin:ip:${k.ip}`, policy: ip, force: false },
    ...(k.device
      ? [{ key: `${options.prefix}:signin:dev:${hashed(k.device)}`, policy: account, force: false }, { key: accountKey(k), policy: account, force: true }]
      : [{ key: accountKey(k), policy: account, force: false }]),
  ];

  return {
    async attempt(keys) {
      const at = now();
      const all = charges(keys);
      // Looked at first, so a refusal by one key leaves the others as they were.
      let waitMs = 0;
      for (const c of all) if (!c.force) waitMs = Math.max(waitMs, await counter().peek(c.key, c.policy, at));
      if (waitMs > 0) return waitMs;
      for (const c of all) waitMs = Math.max(waitMs, await counter().take(c.key, c.policy, at, c.force));
      return waitMs;
    },
    async succeeded(keys) {
      const [ipCharge, ...rest] = charges(keys);
      for (const c of rest) await counter().adjust(c.key, 'reset');
      await counter().adjust(ipCharge!.key, -1);
    },
  };
}

/** The wait imposed after `failures` failures. */
export function delay(policy: BackoffPolicy, failures: number): number {
  if (failures < policy.freeFailures) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - policy.freeFailures, 40));
}

const left = (policy: BackoffPolicy, state: { failures: number; last: number }, now: number) => Math.max(0, state.last + delay(policy, state.failures) - now);

function memoryCounter(): Counter {
  const states = new Map<string, { failures: number; last: number }>();
  const current = (key: string, now: number) => {
    const stored = states.get(key);
    return stored && stored.last + FORGET_MS > now ? stored : { failures: 0, last: 0 };
  };
  return {
    async peek(key, policy, now) {
      return left(policy, current(key, now), now);
    },
    async take(key, policy, now, force) {
      if (states.size > 100_000) for (const [k, s] of states) if (s.last + FORGET_MS < now) states.delete(k);
      const state = current(key, now);
      const wait = left(policy, state, now);
      if (wait > 0 && !force) return wait;
      states.set(key, { failures: state.failures + 1, last: now });
      return 0;
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
    peek: (key, policy, now) => primary.peek(key, policy, now).catch(() => fallback.peek(key, policy, now)),
    take: (key, policy, now, force) => primary.take(key, policy, now, force).catch(() => fallback.take(key, policy, now, force)),
    adjust: (key, by) => primary.adjust(key, by).catch(() => fallback.adjust(key, by)),
  };
}

// take() in one step on the Redis server, so instances racing on one key cannot both pass
// a check meant for one of them. The wait is delay() above, written in Lua.
const TAKE = `
local f = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local now, free, base, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = 0
if f >= free then wait = math.min(max, base * 2 ^ math.min(f - free, 40)) end
local left = last + wait - now
if left > 0 and ARGV[5] ~= '1' then return left end
redis.call('HSET', KEYS[1], 'failures', f + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 0`;

function redisCounter(redis: Redis): Counter {
  return {
    async peek(key, policy, now) {
      const [failures, last] = await redis.hmget(key, 'failures', 'last');
      return left(policy, { failures: Number(failures ?? 0) || 0, last: Number(last ?? 0) || 0 }, now);
    },
    async take(key, policy, now, force) {
      const args = [now, policy.freeFailures, policy.baseMs, policy.maxMs, force ? 1 : 0, FORGET_MS];
      return Number(await redis.eval(TAKE, 1, key, ...args.map(String)));
    },
    async adjust(key, by) {
      if (by === 'reset') await redis.del(key);
      else await redis.eval(ADJUST, 1, key, String(by));
    },
  };
}

// Only a key that exists, and never below zero: a success must not leave a key without expiry or bank attempts.
const ADJUST = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local f = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0') + tonumber(ARGV[1])
if f <= 0 then redis.call('DEL', KEYS[1]) else redis.call('HSET', KEYS[1], 'failures', f) end
return 0`;
