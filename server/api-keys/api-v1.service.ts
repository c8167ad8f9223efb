import { z } from 'zod';
import type { AuditActor } from '../audit/audit.js';
import { cursorTime, decodeCursor, encodeCursor } from '../audit/cursor.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import * as conversations from '../conversations/conversations.service.js';
import * as repo from './api-v1.repo.js';

const conversationCursor = z.strictObject({ at: cursorTime, id: z.uuid() });

export async function listConversations(db: Db, workspaceId: string, page: { cursor?: string | undefined; limit: number }) {
  const after = decodeCursor(conversationCursor, page.cursor);
  // One extra row says whether there is a next page.
  const rows = await withTenant(db, workspaceId, (q) => repo.listConversations(q, workspaceId, { after, limit: page.limit + 1 }));
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return { conversations: shown, nextCursor: rows.length > page.limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null };
}

/** The admin panel's reading of one conversation (server/conversations/), for the key's workspace. */
export function getConversation(db: Db, workspaceId: string, id: string) {
  return conversations.getConversation(db, { id: workspaceId }, id);
}

/**
 * The admin panel's delete (a reply still streaming stores nothing; the audit entry records
 * who, the key's prefix, and counts, never what was said).
 */
export function deleteConversation(db: Db, workspaceId: string, actor: AuditActor, id: string): Promise<void> {
  return conversations.deleteConversation(db, { id: workspaceId }, actor, id);
}
