import { z } from 'zod';

export const WIPE_CONFIRMATION = 'delete all conversations';

export const listConversationsQuery = z.object({
  /** Case-insensitive substring of any message's text; % and _ match themselves. */
  q: z.string().trim().max(200).optional(),
  /** Opaque, from the previous page's nextCursor. */
  cursor: z.string().max(200).optional(),
  /** Page size, 1–100. */
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const wipeBody = z.strictObject({
  /** Exactly "delete all conversations". */
  confirm: z.string(),
});

export const exportQuery = z.object({
  format: z.enum(['csv', 'json'], { error: 'must be csv or json' }).default('json'),
});

export const conversationIdParam = z.uuid({ error: 'must be an id' });
