import { recordAudit, type AuditActor } from '../audit/audit.js';
import { deleteConversationRows } from '../chat/chat.repo.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { HttpError } from '../http/errors.js';
import { DEFAULT_BATCH_SIZE } from '../retention/retention.service.js';
import type { WorkspaceContext } from '../workspaces/workspace-context.js';
import * as repo from './conversations.repo.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { WIPE_CONFIRMATION } from './conversations.schema.js';

const notFound = () => new HttpError(404, 'conversation_not_found', 'No such conversation in this workspace.');

export interface ConversationPage {
  conversations: repo.ConversationSummaryRow[];
  nextCursor: string | null;
}

export async function listConversations(
  db: Db,
  ws: WorkspaceContext,
  query: { q?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<ConversationPage> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const search = query.q ? query.q : undefined;
  // One row more than asked says whether there is a next page.
  const rows = await withTenant(db, ws.id, (q) => repo.listConversations(q, ws.id, { search, after, limit: query.limit + 1 }));
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { conversations: page, nextCursor: rows.length > query.limit && last ? encodeCursor({ updatedAt: last.position, id: last.id }) : null };
}

export async function getConversation(db: Db, ws: Pick<WorkspaceContext, 'id'>, id: string) {
  const found = await withTenant(db, ws.id, async (q) => {
    const conversation = await repo.findConversation(q, ws.id, id);
    return conversation && { conversation, messages: await repo.listMessages(q, ws.id, id) };
  });
  if (!found) throw notFound();
  return found;
}

/** A real DELETE of one conversation and its messages, audited with the count and never the content. */
export async function deleteConversation(db: Db, ws: Pick<WorkspaceContext, 'id'>, actor: AuditActor, id: string): Promise<void> {
  const deleted = await withTenant(db, ws.id, async (q) => {
    const counts = await deleteConversationRows(q, ws.id, id);
    if (counts) await recordAudit(q, ws.id, actor, { action: 'conversation.deleted', targetType: 'conversation', targetId: id, after: counts });
    return counts;
  });
  if (!deleted) throw notFound();
}

export type WipeCounts = Record<repo.WipeTable, number>;

/**
 * Deletes every message, conversation and visitor of the workspace, batch by batch, each in
 * its own short transaction (as retention does), so a huge workspace never holds one long
 * lock. Whatever was deleted is audited, even if a later batch fails.
 */
export async function wipeConversations(
  db: Db,
  ws: WorkspaceContext,
  actor: AuditActor,
  confirm: string,
  batchSize: number = DEFAULT_BATCH_SIZE[db.driver],
): Promise<WipeCounts> {
  if (confirm !== WIPE_CONFIRMATION) {
    throw new HttpError(400, 'confirmation_mismatch', `confirm: type "${WIPE_CONFIRMATION}" exactly to delete every conversation.`);
  }
  const counts: WipeCounts = { messages: 0, conversations: 0, visitors: 0 };
  try {
    for (const table of ['messages', 'conversations', 'visitors'] as const) {
      for (;;) {
        const deleted = await withTenant(db, ws.id, (q) => repo.deleteBatch(q, table, ws.id, batchSize));
        counts[table] += deleted;
        if (deleted < batchSize) break;
        // Let other requests in between batches (PGlite runs one statement at a time on its worker).
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    await withTenant(db, ws.id, (q) =>
      recordAudit(q, ws.id, actor, { action: 'conversations.wiped', targetType: 'workspace', targetId: ws.id, after: { ...counts } }),
    );
  }
  return counts;
}
