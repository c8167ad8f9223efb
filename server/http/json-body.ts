import express, { type Request, type RequestHandler } from 'express';
import { HttpError } from './errors.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON bodies only: a body of another type is refused with 415 rather than silently
 * ignored, so a client's mistake is visible at once.
 */
export function jsonBody(limit: string, options: { skip?: (req: Request) => boolean } = {}): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
      next(new HttpError(415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.'));
      return;
    }
    next();
  };
  const parse = express.json({ limit, strict: true, type: 'application/json' });
  // A route that reads its own body (a new knowledge source: a file, or megabytes of text) is left alone.
  const skip = options.skip;
  if (!skip) return [requireJson, parse];
  return [(req, res, next) => (skip(req) ? next() : requireJson(req, res, next)), (req, res, next) => (skip(req) ? next() : parse(req, res, next))];
}
