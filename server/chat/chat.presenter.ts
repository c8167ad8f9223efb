import { readMessageSources } from '../knowledge/grounding/message-sources.js';
import type { ConversationRow, MessageRow } from './chat.repo.js';

const iso = (value: Date | string) => new Date(value).toISOString();

export function presentNewConversation(c: ConversationRow) {
  return { id: c.id, createdAt: iso(c.createdAt) };
}

export function presentConversation(c: ConversationRow) {
  return { id: c.id, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) };
}

export function presentMessage(m: MessageRow) {
  return { id: m.id, role: m.role, content: m.content, status: m.status, createdAt: iso(m.createdAt), sources: readMessageSources(m.sources) ?? [] };
}

/** The `accepted` event: the visitor's message is stored. */
export function presentAccepted(m: MessageRow) {
  return { id: m.id, createdAt: iso(m.createdAt) };
}
