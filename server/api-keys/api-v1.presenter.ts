import type { ConversationSummaryRow } from '../conversations/conversations.repo.js';
import type { ApiConversationRow } from './api-v1.repo.js';

export { presentMessage } from '../conversations/conversations.presenter.js';

/** A conversation as /api/v1 shows it: no visitor id, no preview. */
export function presentConversation(c: ApiConversationRow | ConversationSummaryRow) {
  return { id: c.id, createdAt: c.created_at.toISOString(), updatedAt: c.updated_at.toISOString(), messageCount: c.message_count };
}
