import { HttpError } from '../http/errors.js';

/** A position in the list: the last row's updated_at exactly as PostgreSQL stores it (microseconds, UTC) and its id. */
export interface ListPosition {
  updatedAt: string;
  id: string;
}

const POSITION = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6})\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

// Opaque to clients; the exact microseconds keep pages free of duplicates and gaps (a JS Date has only milliseconds).
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(`${position.updatedAt}|${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  const match = POSITION.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new HttpError(400, 'invalid_cursor', 'cursor: not a cursor from a previous page');
  return { updatedAt: match[1]!, id: match[2]! };
}
