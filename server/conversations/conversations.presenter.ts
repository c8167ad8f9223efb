import { readMessageSources } from '../knowledge/grounding/message-sources.js';
import type { AdminMessageRow, ConversationSummaryRow } from './conversations.repo.js';
import type { ExportConversationRow, ExportMessageRow } from './export.repo.js';

export function presentConversation(c: ConversationSummaryRow) {
  return {
    id: c.id,
    visitorId: c.visitor_id,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
    messageCount: c.message_count,
    preview: c.preview ?? '',
  };
}

export function presentMessage(m: AdminMessageRow) {
  return { id: m.id, role: m.role, content: m.content, status: m.status, sources: readMessageSources(m.sources) ?? [], createdAt: m.created_at.toISOString() };
}

/** A conversation with its messages as the exports write it. */
export function presentExportedConversation(c: ExportConversationRow, messages: ExportMessageRow[]) {
  return {
    id: c.id,
    visitorId: c.visitor_id,
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
    messages: messages.map((m) => ({
      id: m.id,
      role: m.role,
      content: m.content,
      status: m.status,
      model: m.model,
      promptTokens: m.prompt_tokens,
      completionTokens: m.completion_tokens,
      sources: readMessageSources(m.sources) ?? [],
      createdAt: m.created_at.toISOString(),
    })),
  };
}
