import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON bodies only: a body of another type is refused with 415 rather than silently
 * ignored, so a client's mistake is visible at once.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
      next(new HttpError(415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.'));
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit, strict: true, type: 'application/json' })];
}
