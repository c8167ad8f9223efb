import { recordAudit, type AuditActor } from '../audit/audit.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import { presentInvitation, presentMember } from '../workspaces/workspaces.presenter.js';
import type { WorkspaceContext } from '../workspaces/workspace-context.js';
import { presentAuditEvent } from '../audit/audit.presenter.js';
import { knowledgeExportJson } from '../knowledge/knowledge-export.js';
import { presentExportedConversation } from './conversations.presenter.js';
import { csvRow } from './csv.js';
import * as repo from './export.repo.js';

/**
 * Exports are written batch by batch: each batch of conversations (with their messages) is
 * read in its own short tenant transaction and turned into one chunk of text, so memory
 * holds one batch, no transaction or pooled connection waits on a slow client, and on
 * PGlite (one connection) other requests run between batches. The price: no snapshot
 * across batches. Conversations are keyset-paged on (created_at, id) and bounded by the
 * export's start, so each one that existed then is written once, complete as of its batch;
 * one deleted before its batch is read is left out.
 */
export const EXPORT_BATCH = 500;

export interface ExportStream {
  filename: string;
  contentType: string;
  /** Conversations the document will hold at most, known before the first byte. */
  totalConversations: number;
  chunks: AsyncGenerator<string, void, undefined>;
}

type Batch = { conversation: repo.ExportConversationRow; messages: repo.ExportMessageRow[] }[];

async function* conversationBatches(db: Db, workspaceId: string, startedAt: string, batchSize: number): AsyncGenerator<Batch> {
  let after: { position: string; id: string } | undefined;
  for (;;) {
    const { rows, messages } = await withTenant(db, workspaceId, async (q) => {
      const rows = await repo.conversationBatch(q, workspaceId, startedAt, after, batchSize);
      return { rows, messages: rows.length > 0 ? await repo.messagesOf(q, workspaceId, rows.map((r) => r.id)) : [] };
    });
    const byConversation = new Map(rows.map((r) => [r.id, [] as repo.ExportMessageRow[]]));
    for (const m of messages) byConversation.get(m.conversation_id)?.push(m);
    if (rows.length > 0) yield rows.map((conversation) => ({ conversation, messages: byConversation.get(conversation.id)! }));
    if (rows.length < batchSize) return;
    const last = rows.at(-1)!;
    after = { position: last.position, id: last.id };
  }
}

const day = (iso: string) => iso.slice(0, 10);
const CSV_HEADER = ['conversation_id', 'visitor_id', 'conversation_created_at', 'message_id', 'message_created_at', 'role', 'status', 'content'];

/** Audits the export, then returns its chunks: CSV (one row per message) or one JSON document. */
export async function exportConversations(db: Db, ws: WorkspaceContext, actor: AuditActor, format: 'csv' | 'json', batchSize = EXPORT_BATCH): Promise<ExportStream> {
  const bounds = await withTenant(db, ws.id, async (q) => {
    const b = await repo.exportBounds(q, ws.id);
    await recordAudit(q, ws.id, actor, { action: 'conversations.exported', targetType: 'workspace', targetId: ws.id, after: { format, conversations: b.conversations, messages: b.messages } });
    return b;
  });
  const exportedAt = new Date().toISOString();
  const batches = conversationBatches(db, ws.id, bounds.startedAt, batchSize);
  const chunks = format === 'csv' ? csvChunks(batches) : jsonChunks(batches, { exportedAt, workspace: { id: ws.id, name: ws.name }, totalConversations: bounds.conversations });
  return {
    filename: `parley-conversations-${ws.publicId}-${day(exportedAt)}.${format}`,
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    totalConversations: bounds.conversations,
    chunks,
  };
}

async function* csvChunks(batches: AsyncGenerator<Batch>): AsyncGenerator<string, void, undefined> {
  // The byte order mark lets spreadsheets read the file as UTF-8.
  yield `\uFEFF${csvRow(CSV_HEADER)}`;
  for await (const batch of batches) {
    let text = '';
    for (const { conversation: c, messages } of batch) {
      const head = [c.id, c.visitor_id, c.created_at.toISOString()];
      if (messages.length === 0) text += csvRow([...head, '', '', '', '', '']);
      for (const m of messages) text += csvRow([...head, m.id, m.created_at.toISOString(), m.role, m.status, m.content]);
    }
    yield text;
  }
}

/** Opens a document with head's fields, then writes `"conversations":[…` batch by batch; the caller closes it. */
async function* openJsonWithConversations(batches: AsyncGenerator<Batch>, head: Record<string, unknown>): AsyncGenerator<string, void, undefined> {
  yield `${JSON.stringify(head).slice(0, -1)},"conversations":[\n`;
  let first = true;
  for await (const batch of batches) {
    const text = batch.map(({ conversation, messages }) => JSON.stringify(presentExportedConversation(conversation, messages))).join(',\n');
    yield first ? text : `,\n${text}`;
    first = false;
  }
}

async function* jsonChunks(batches: AsyncGenerator<Batch>, head: Record<string, unknown>): AsyncGenerator<string, void, undefined> {
  yield* openJsonWithConversations(batches, head);
  yield '\n]}\n';
}

/** Everything the workspace holds, as one JSON document written incrementally; secrets never included. */
export async function exportWorkspace(db: Db, ws: WorkspaceContext, actor: AuditActor, batchSize = EXPORT_BATCH): Promise<ExportStream> {
  const { bounds, parts } = await withTenant(db, ws.id, async (q) => {
    const b = await repo.exportBounds(q, ws.id);
    const p = await repo.workspaceParts(q, ws.id);
    await recordAudit(q, ws.id, actor, { action: 'workspace.exported', targetType: 'workspace', targetId: ws.id, after: { conversations: b.conversations, messages: b.messages } });
    return { bounds: b, parts: p };
  });
  const exportedAt = new Date().toISOString();
  const head = {
    exportedAt,
    totals: { conversations: bounds.conversations, messages: bounds.messages },
    workspace: { id: parts.workspace.id, publicId: parts.workspace.public_id, name: parts.workspace.name, requireMfa: parts.workspace.require_mfa, createdAt: parts.workspace.created_at.toISOString() },
    settings: parts.settings ?? null,
    members: parts.members.map(presentMember),
    invitations: parts.invitations.map(presentInvitation),
    apiKeys: parts.apiKeys,
    providerKey: parts.providerKey ?? null,
  };
  return {
    filename: `parley-workspace-${ws.publicId}-${day(exportedAt)}.json`,
    contentType: 'application/json; charset=utf-8',
    totalConversations: bounds.conversations,
    chunks: workspaceChunks(db, ws.id, head, bounds, batchSize),
  };
}

async function* workspaceChunks(db: Db, workspaceId: string, head: Record<string, unknown>, bounds: repo.ExportBounds, batchSize: number): AsyncGenerator<string, void, undefined> {
  yield* openJsonWithConversations(conversationBatches(db, workspaceId, bounds.startedAt, batchSize), head);
  yield '\n],"auditLog":[\n';
  let afterId = 0;
  let first = true;
  for (;;) {
    const rows = await withTenant(db, workspaceId, (q) => repo.auditBatch(q, workspaceId, afterId, bounds.lastAuditId, batchSize));
    if (rows.length > 0) {
      const text = rows.map((r) => JSON.stringify(presentAuditEvent(r))).join(',\n');
      yield first ? text : `,\n${text}`;
      first = false;
    }
    if (rows.length < batchSize) break;
    afterId = rows.at(-1)!.id;
  }
  yield '\n],"knowledge":';
  yield* knowledgeExportJson(db, workspaceId, batchSize);
  yield '}\n';
}
