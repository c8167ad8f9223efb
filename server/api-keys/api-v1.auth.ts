import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuditActor } from '../audit/audit.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import { DEFAULT_RATE_LIMIT_PREFIX } from '../http/rate-limit.js';
import { authenticateApiKey, type ApiKeyContext } from './api-keys.service.js';

/** Requests per key per minute (docs/server-api.md). */
export const API_KEY_RATE_LIMIT = 600;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set on /api/v1 routes once the Bearer key is verified. */
      apiKey?: ApiKeyContext;
    }
  }
}

const REALM = 'Bearer realm="parley"';

function unauthorized(res: Response, code: string, message: string): HttpError {
  res.setHeader('WWW-Authenticate', code === 'api_key_required' ? REALM : `${REALM}, error="invalid_token"`);
  return new HttpError(401, code, message);
}

/**
 * Verifies `Authorization: Bearer <key>`, then counts the request against the key
 * (Redis when there is one, shared by every instance; memory otherwise).
 */
export function apiKeyAuth(db: Db, options: { redis?: Redis | undefined; prefix?: string | undefined; perMinute?: number } = {}): RequestHandler {
  const keyPrefix = `${options.prefix ?? DEFAULT_RATE_LIMIT_PREFIX}:api-key`;
  const points = options.perMinute ?? API_KEY_RATE_LIMIT;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({ storeClient: options.redis, keyPrefix, points, duration: 60, rejectIfRedisNotReady: true, insuranceLimiter: memory })
    : memory;
  return async (req, res, next) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match) throw unauthorized(res, 'api_key_required', 'Send an API key as "Authorization: Bearer <key>".');
    const key = await authenticateApiKey(db, match[1]!);
    if (!key) throw unauthorized(res, 'invalid_api_key', 'The API key is not valid or has been revoked.');
    try {
      await limiter.consume(key.id);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
      throw new HttpError(429, 'rate_limited', 'Too many requests for this API key. Please wait a moment and try again.');
    }
    req.apiKey = key;
    next();
  };
}

export function currentApiKey(req: Request): ApiKeyContext {
  if (!req.apiKey) throw new Error('currentApiKey: route is not behind apiKeyAuth');
  return req.apiKey;
}

/** A write-scope route refuses read-scope keys with 403 insufficient_scope. */
export function requireWriteScope(req: Request, res: Response): ApiKeyContext {
  const key = currentApiKey(req);
  if (key.scope !== 'write') {
    res.setHeader('WWW-Authenticate', `${REALM}, error="insufficient_scope", scope="write"`);
    throw new HttpError(403, 'insufficient_scope', 'This API key is read-only; this request needs a key with the write scope.');
  }
  return key;
}

/** An API key as the audit log records it: no account, its display prefix. */
export function apiKeyActor(req: Request): AuditActor {
  return { accountId: null, label: `api_key:${currentApiKey(req).prefix}`, ip: req.ip ?? null };
}
