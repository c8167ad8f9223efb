import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import { DEFAULT_RATE_LIMIT_PREFIX } from '../http/rate-limit.js';
import { parseInput } from '../http/validate.js';
import type { Logger } from '../logging.js';
import { adminSession, clearSessionCookie, csrfToken as requireCsrfToken, requireAdmin, sameOrigin, setSessionCookie } from './admin-session.js';
import { presentAccount, presentSession } from './auth.presenter.js';
import { changePasswordBody, resetConfirmBody, resetRequestBody, signInBody, signUpBody } from './auth.schema.js';
import * as auth from './auth.service.js';
import type { Mailer } from './mailer.js';
import { mfaRoutes } from './mfa.routes.js';
import { dummyHash } from './password.js';
import { withRetryAfter } from './retry-after.js';
import { csrfToken } from './session-token.js';
import { createSignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.js';

/** What tests and other deployments may swap; production uses the defaults. */
export interface AdminAuthOptions {
  /** Default: the link is written to the server log. */
  mailer?: Mailer;
  signInBackoff?: SignInThrottleOptions;
  /** Sign-ups and reset requests per IP address per hour (default 20 each). */
  perIpPerHour?: number;
}

export interface AuthRouteDeps {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  mailer: Mailer;
  redis?: Redis | undefined;
  rateLimitPrefix?: string | undefined;
  options?: AdminAuthOptions | undefined;
}

// Paths under /api/admin that are used before there is a session: Origin check only.
export const ORIGIN_ONLY = new Set(['/auth/sign-up', '/auth/sign-in', '/auth/password-reset/request', '/auth/password-reset/confirm']);

/** The checks in front of every /api/admin route: same Origin, the session cookie, the CSRF token. */
export function adminGuards(config: Config, db: Db, publicUrl: string): RequestHandler[] {
  return [sameOrigin(publicUrl), adminSession(db), requireCsrfToken({ tokenKeys: config.tokenKeys, originOnly: ORIGIN_ONLY })];
}

/** /api/admin/auth: sign-up, sign-in, sessions, passwords, MFA. */
export function authRoutes({ config, db, logger, publicUrl, mailer, redis, rateLimitPrefix, options = {} }: AuthRouteDeps): Router {
  const prefix = rateLimitPrefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const deps: auth.AuthDeps = {
    db,
    logger,
    publicUrl,
    tokenKeys: config.tokenKeys,
    mailer,
    throttle: createSignInThrottle({ ...options.signInBackoff, redis, prefix }),
  };
  // Computed now, so the first unknown email costs no more than any other.
  void dummyHash();
  const perIp = hourlyLimiter(`${prefix}:admin-auth:ip`, options.perIpPerHour ?? 20, redis);
  const router = accountRoutes(deps, perIp);
  router.use('/mfa', mfaRoutes({ ...deps, masterKeys: config.masterKeys }));
  return router;
}

function accountRoutes(deps: auth.AuthDeps, perIp: RateLimiterAbstract): Router {
  const router = Router();
  const info = (req: Request): auth.RequestInfo => ({ ip: req.ip ?? '', userAgent: req.header('user-agent') });

  router.post('/sign-up', async (req, res) => {
    await limit(res, perIp, req.ip ?? '');
    const body = parseInput(signUpBody, req.body ?? {}, 'invalid_body');
    const account = await auth.signUp(deps, body);
    res.status(201).json({ account: presentAccount(account) });
  });

  router.post('/sign-in', async (req, res) => {
    const body = parseInput(signInBody, req.body ?? {}, 'invalid_body');
    const result = await withRetryAfter(res, auth.signIn(deps, body, info(req)));
    setSessionCookie(res, result.token);
    // The pending session's CSRF token comes along, for POST /auth/mfa/verify.
    if (result.mfaRequired) res.json({ mfaRequired: true, csrfToken: result.csrfToken });
    else res.json(presentSession(result.account, result.expiresAt, result.csrfToken));
  });

  router.post('/sign-out', async (req, res) => {
    await auth.signOut(deps, requireAdmin(req.admin ?? req.pendingMfa), info(req));
    clearSessionCookie(res);
    res.status(204).end();
  });

  router.get('/session', (req, res) => {
    if (!req.admin && req.pendingMfa) throw new HttpError(401, 'mfa_pending', 'Enter the code from your authenticator app to finish signing in.');
    const admin = requireAdmin(req.admin);
    res.json(presentSession(admin.account, admin.expiresAt, csrfToken(deps.tokenKeys, admin.token)));
  });

  router.post('/password', async (req, res) => {
    const admin = requireAdmin(req.admin);
    const body = parseInput(changePasswordBody, req.body ?? {}, 'invalid_body');
    await withRetryAfter(res, auth.changePassword(deps, admin, body, info(req)));
    res.status(204).end();
  });

  router.post('/password-reset/request', async (req, res) => {
    await limit(res, perIp, req.ip ?? '');
    const body = parseInput(resetRequestBody, req.body ?? {}, 'invalid_body');
    await auth.requestPasswordReset(deps, body.email, info(req));
    res.status(202).end();
  });

  router.post('/password-reset/confirm', async (req, res) => {
    const body = parseInput(resetConfirmBody, req.body ?? {}, 'invalid_body');
    await auth.confirmPasswordReset(deps, body, info(req));
    clearSessionCookie(res);
    res.status(204).end();
  });

  return router;
}

function hourlyLimiter(keyPrefix: string, points: number, redis: Redis | undefined): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: 3600 });
  if (!redis) return memory;
  return new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 3600, rejectIfRedisNotReady: true, insuranceLimiter: memory });
}

async function limit(res: Response, limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.msBeforeNext / 1000))));
    throw new HttpError(429, 'rate_limited', 'Too many requests. Please wait a while and try again.');
  }
}
