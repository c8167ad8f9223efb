import { z } from 'zod';
import { HttpError } from '../http/errors.js';

// Keyset cursors: the last row's sort key, opaque to clients (base64url JSON).

export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The cursor's key, or a 400 invalid_cursor for anything this server did not hand out. */
export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpError(400, 'invalid_cursor', 'The cursor is not one this API returned; start again without it.');
  return parsed.data;
}

/** A timestamptz as PostgreSQL prints it in JSON: ISO 8601 with microseconds and an offset. */
export const cursorTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}(?::?\d{2})?)$/);

/** ?limit=: 1–100, default 50 (docs/admin-api.md). */
export const pageLimit = z.coerce.number({ error: 'must be a number from 1 to 100' }).int().min(1).max(100).default(50);
