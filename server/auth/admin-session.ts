import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { Keyring } from '../keys/keyring.js';
import { authenticate, type AdminContext, type RequestInfo } from './auth.service.js';
import { deviceCookie, readDeviceCookie } from './device-cookie.js';
import { readSessionCookie, SESSION_TTL_MS, sessionCookie, verifyCsrfToken } from './session-token.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in admin, when the session cookie names a live session. */
      admin?: AdminContext;
      /**
       * A session that still owes its second factor. Never in `admin`: such a session
       * is good only for POST /auth/mfa/verify and sign-out.
       */
      pendingMfa?: AdminContext;
    }
  }
}

/** Reads the session cookie on every /api/admin request; sends it again when its expiry slid. */
export function adminSession(db: Db): RequestHandler {
  return async (req, res, next) => {
    const token = readSessionCookie(req.headers.cookie);
    const ctx = token ? await authenticate({ db }, token) : undefined;
    if (ctx?.mfaPending) req.pendingMfa = ctx;
    else if (ctx) {
      req.admin = ctx;
      if (ctx.refreshed) setSessionCookie(res, ctx.token);
    }
    next();
  };
}

export function requireAdmin(admin: AdminContext | undefined): AdminContext {
  if (!admin) throw new HttpError(401, 'unauthenticated', 'Please sign in.');
  return admin;
}

export function setSessionCookie(res: Response, token: string): void {
  res.append('Set-Cookie', sessionCookie(token, SESSION_TTL_MS));
}

export function clearSessionCookie(res: Response): void {
  res.append('Set-Cookie', sessionCookie('', 0));
}

/** Set after every full sign-in (after the second factor, with MFA on); sign-out keeps it. */
export function setDeviceCookie(res: Response, token: string): void {
  res.append('Set-Cookie', deviceCookie(token));
}

/** Who is asking, for throttles and the audit log. */
export function requestInfo(req: Request): RequestInfo {
  return { ip: req.ip ?? '', userAgent: req.header('user-agent'), deviceToken: readDeviceCookie(req.headers.cookie) };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const csrfFailed = () => new HttpError(403, 'csrf_failed', 'This request did not come from the Parley admin panel.');

/**
 * Every state-changing request must come from our own origin: the Origin header, which
 * a browser sets and a page cannot. Runs before the session is read, so a cross-site
 * request does not even slide a session's expiry.
 */
export function sameOrigin(publicUrl: string): RequestHandler {
  return (req, _res, next) => {
    if (UNSAFE.has(req.method) && req.headers.origin !== publicUrl) throw csrfFailed();
    next();
  };
}

/**
 * Once signed in, a state-changing request must also carry the session's CSRF token in
 * X-CSRF-Token. `originOnly` paths are used before there is a session (sign-in, reset).
 */
export function csrfToken(options: { tokenKeys: Keyring; originOnly: ReadonlySet<string> }): RequestHandler {
  return (req, _res, next) => {
    if (!UNSAFE.has(req.method) || options.originOnly.has(req.path)) return next();
    // A pending session has a CSRF token too (from sign-in), for verify and sign-out.
    const admin = requireAdmin(req.admin ?? req.pendingMfa);
    if (!verifyCsrfToken(options.tokenKeys, admin.token, req.header('x-csrf-token'))) throw csrfFailed();
    next();
  };
}
