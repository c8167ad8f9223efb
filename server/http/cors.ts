import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { originMatches } from './allowed-origins.js';
import { HttpError } from './errors.js';

const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** scheme://host[:port] of an http(s) URL, as browsers send it in Origin; undefined for anything else. */
export function normaliseOrigin(value: string | undefined): string | undefined {
  if (!value || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

/**
 * Exact scheme, host and port, after normalising both sides (case, default ports); an
 * entry `scheme://*.domain[:port]` allows every subdomain of domain (server/http/allowed-origins.ts).
 */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  const wanted = normaliseOrigin(origin);
  return wanted !== undefined && allowed.some((entry) => normaliseOrigin(entry) === wanted || originMatches(wanted, entry));
}

/**
 * Every /api/widget answer varies by Origin. Preflights are answered for any origin:
 * they reveal nothing, and which origins a workspace allows is only known once the
 * real request names its workspace.
 */
export const widgetCors: RequestHandler = (req, res, next) => {
  res.vary('Origin');
  if (req.method !== 'OPTIONS') {
    next();
    return;
  }
  if (req.headers.origin) {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
  }
  res.status(204).end();
};

/** The refusal of a page whose origin the workspace does not allow. */
export function originNotAllowed(): HttpError {
  return new HttpError(403, 'origin_not_allowed', 'This website is not allowed to use this chat.');
}

/**
 * Errors carry only a code and a sentence, and most (401, 429, unknown workspace) come
 * before any workspace's origins are known; the widget must read them to react, e.g. by
 * minting a new token. The one it may not read is the refusal of its own origin.
 */
export const widgetErrorCors: ErrorRequestHandler = (err, req, res, next) => {
  if (!(err instanceof HttpError && err.code === 'origin_not_allowed') && !res.headersSent) reflectOrigin(req, res);
  next(err);
};

/** Lets the page at the request's Origin read this answer: call it only once that origin is allowed. */
export function reflectOrigin(req: Request, res: Response): void {
  if (!req.headers.origin) return;
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
  // Not a CORS-safelisted header: without this the widget cannot see how long to wait.
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}
