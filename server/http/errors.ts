import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { DatabaseUnavailableError } from '../db/db-errors.js';

/** An error a route means to show the client: status, stable code, human sentence. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

// body-parser reports its failures with a `type`; each becomes a precise 4xx.
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'payload_too_large', 'The request body is too large.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The request body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported_charset', 'The request body charset is not supported; use UTF-8.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted.'],
  'request.size.invalid': [400, 'bad_request', 'The request body does not match its Content-Length.'],
};

/** Seconds a client is asked to wait after a 503 for a lost database connection: a restart or failover. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Maps anything thrown to the JSON error shape; only unexpected errors are 500 and logged with a stack. */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (err instanceof DatabaseUnavailableError) {
    // Expected while the database restarts or fails over: one line, no stack.
    req.log.warn({ err: { name: err.name, message: err.message } }, 'request failed: database unavailable');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    res.status(503).json(errorBody('database_unavailable', 'The service is briefly unavailable. Please try again in a few seconds.'));
    return;
  }
  const [status, body] = toResponse(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).json(body);
};

function toResponse(err: unknown): [number, ErrorBody] {
  if (err instanceof HttpError) return [err.status, errorBody(err.code, err.message, err.details)];
  if (err instanceof ZodError) {
    const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return [400, errorBody('validation_failed', 'The request is not valid.', details)];
  }
  const type = (err as { type?: unknown } | null)?.type;
  const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  if (known) return [known[0], errorBody(known[1], known[2])];
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return [status, errorBody('bad_request', 'The request could not be understood.')];
  }
  return [500, errorBody('internal_error', 'Something went wrong on our side. Please try again.')];
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', `No route for ${req.method} ${req.path}.`));
};
