import type { Response } from 'express';
import { TooManyAttempts } from './auth.service.js';

/** Awaits work; a TooManyAttempts refusal also sets Retry-After (whole seconds, at least 1). */
export async function withRetryAfter<T>(res: Response, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof TooManyAttempts) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
    throw err;
  }
}
