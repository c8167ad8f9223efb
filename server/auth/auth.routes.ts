import { createHash } from 'node:crypto';
import { Router, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { InFlight } from '../http/in-flight.js';
import { DEFAULT_RATE_LIMIT_PREFIX } from '../http/rate-limit.js';
import { parseInput } from '../http/validate.js';
import type { Logger } from '../logging.js';
import type { Mailer } from '../mail/mailer.js';
import { afterAnswer, type AfterAnswer } from './after-answer.js';
import {
  adminSession, clearSessionCookie, requestInfo as info, csrfToken as requireCsrfToken, requireAdmin, sameOrigin, setDeviceCookie, setSessionCookie,
} from './admin-session.js';
import { presentSession } from './auth.presenter.js';
import { changePasswordBody, resetConfirmBody, resetRequestBody, signInBody, signUpBody, signUpCompleteBody } from './auth.schema.js';
import * as auth from './auth.service.js';
import { mfaRoutes } from './mfa.routes.js';
import { dummyHash } from './password.js';
import { withRetryAfter } from './retry-after.js';
import { csrfToken } from './session-token.js';
import { createSignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.js';
import * as signup from './signup.service.js';

/** What tests and other deployments may swap; production uses the defaults. */
export interface AdminAuthOptions {
  /** Default: the link is written to the server log. */
  mailer?: Mailer;
  signInBackoff?: SignInThrottleOptions;
  /** Sign-ups and reset requests per IP address per hour (default 20 each). */
  perIpPerHour?: number;
  /** Sign-up and reset mails per address per hour (default 5); more are dropped, the answer unchanged. */
  mailsPerAddressPerHour?: number;
}

export interface AuthRouteDeps {
  config: Config;
  db: Db;
  logger: Logger;
  publicUrl: string;
  mailer: Mailer;
  /** Work done after the answer (mail, hashing) is tracked here, so shutdown waits for it. */
  inFlight: InFlight;
  redis?: Redis | undefined;
  rateLimitPrefix?: string | undefined;
  options?: AdminAuthOptions | undefined;
}

// Paths under /api/admin that are used before there is a session: Origin check only.
export const ORIGIN_ONLY = new Set(['/auth/sign-up', '/auth/sign-up/complete', '/auth/sign-in', '/auth/password-reset/request', '/auth/password-reset/confirm']);

/** The checks in front of every /api/admin route: same Origin, the session cookie, the CSRF token. */
export function adminGuards(config: Config, db: Db, publicUrl: string): RequestHandler[] {
  return [sameOrigin(publicUrl), adminSession(db), requireCsrfToken({ tokenKeys: config.tokenKeys, originOnly: ORIGIN_ONLY })];
}

/** /api/admin/auth: sign-up, sign-in, sessions, passwords, MFA. */
export function authRoutes({ config, db, logger, publicUrl, mailer, inFlight, redis, rateLimitPrefix, options = {} }: AuthRouteDeps): Router {
  const prefix = rateLimitPrefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  const perAddress = hourlyLimiter(`${prefix}:admin-auth:mail`, options.mailsPerAddressPerHour ?? 5, redis);
  const deps: auth.AuthDeps = {
    db,
    logger,
    publicUrl,
    tokenKeys: config.tokenKeys,
    mailer,
    throttle: createSignInThrottle({ ...options.signInBackoff, redis, prefix }),
    signup: config.signup,
    // Hashed: the shared store holds no email addresses.
    mayMail: (email) => perAddress.consume(createHash('sha256').update(email.trim().toLowerCase()).digest('hex')).then(() => true, (err: unknown) => {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }),
  };
  // Computed now, so the first unknown email costs no more than any other.
  void dummyHash();
  const perIp = hourlyLimiter(`${prefix}:admin-auth:ip`, options.perIpPerHour ?? 20, redis);
  const router = accountRoutes(deps, perIp, afterAnswer(inFlight, logger));
  router.use('/mfa', mfaRoutes({ ...deps, masterKeys: config.masterKeys }));
  return router;
}

function accountRoutes(deps: auth.AuthDeps, perIp: RateLimiterAbstract, afterAnswer: AfterAnswer): Router {
  const router = Router();

  // What the panel may offer before anyone signs in.
  router.get('/config', (_req, res) => {
    res.json({ signup: deps.signup });
  });

  // The same answer, at the same speed, whether or not the address has an account: the mail tells the rest.
  router.post('/sign-up', async (req, res) => {
    await limit(res, perIp, req.ip ?? '');
    const body = parseInput(signUpBody, req.body ?? {}, 'invalid_body');
    await signup.checkSignUpAllowed(deps, body);
    const requestedBy = info(req);
    res.status(202).json({ status: 'check_email' });
    afterAnswer(res, 'sign-up mail', () => signup.mailSignUp(deps, body, requestedBy));
  });

  router.post('/sign-up/complete', async (req, res) => {
    const body = parseInput(signUpCompleteBody, req.body ?? {}, 'invalid_body');
    const result = await signup.completeSignUp(deps, body, info(req));
    setSessionCookie(res, result.token);
    setDeviceCookie(res, result.deviceToken);
    res.status(201).json(presentSession(result.account, result.expiresAt, result.csrfToken));
  });

  router.post('/sign-in', async (req, res) => {
    const body = parseInput(signInBody, req.body ?? {}, 'invalid_body');
    const result = await withRetryAfter(res, auth.signIn(deps, body, info(req)));
    setSessionCookie(res, result.token);
    // The pending session's CSRF token comes along, for POST /auth/mfa/verify; the device cookie waits for the code.
    if (result.mfaRequired) res.json({ mfaRequired: true, csrfToken: result.csrfToken });
    else {
      setDeviceCookie(res, result.deviceToken);
      res.json(presentSession(result.account, result.expiresAt, result.csrfToken));
    }
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
    const requestedBy = info(req);
    res.status(202).end();
    afterAnswer(res, 'password reset mail', () => auth.requestPasswordReset(deps, body.email, requestedBy));
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
