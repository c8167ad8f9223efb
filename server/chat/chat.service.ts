import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import { deleteOwnConversation, findConversations, findMessages, insertConversation, type ConversationRow, type MessageRow } from './chat.repo.js';

/** How many conversations the widget is shown; it resumes the newest. */
export const CONVERSATION_LIST_LIMIT = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Another visitor's or another workspace's conversation looks exactly like none at all. */
export const conversationNotFound = () => new HttpError(404, 'conversation_not_found', 'This conversation does not exist.');
// The visitor was deleted (retention) while its token was still valid: the widget starts a new session.
const visitorGone = () => new HttpError(401, 'invalid_token', 'The chat session has expired. Please reload.');

/** A malformed id cannot name a conversation; checking it here also keeps it out of SQL casts. */
export function assertConversationId(id: string): void {
  if (!UUID.test(id)) throw conversationNotFound();
}

/** How many empty conversations a visitor may hold; asking for another returns the newest of them. */
export const MAX_EMPTY_CONVERSATIONS = 3;

/**
 * Opens a conversation; created is false when the visitor already had MAX_EMPTY_CONVERSATIONS
 * empty ones and gets the newest of them back, which serves the widget just as well.
 */
export async function createConversation(db: Db, visitor: WidgetTokenClaims): Promise<{ conversation: ConversationRow; created: boolean }> {
  const result = await insertConversation(db, visitor.workspaceId, visitor.visitorId, MAX_EMPTY_CONVERSATIONS);
  if (!result) throw visitorGone();
  return result;
}

export async function listConversations(db: Db, visitor: WidgetTokenClaims): Promise<ConversationRow[]> {
  return findConversations(db, visitor.workspaceId, visitor.visitorId, CONVERSATION_LIST_LIMIT);
}

export async function listMessages(db: Db, visitor: WidgetTokenClaims, conversationId: string): Promise<MessageRow[]> {
  assertConversationId(conversationId);
  const messages = await findMessages(db, visitor.workspaceId, visitor.visitorId, conversationId);
  if (!messages) throw conversationNotFound();
  return messages;
}

/** Really deletes the visitor's own conversation and its messages; another's is 404 and untouched. */
export async function deleteConversation(db: Db, visitor: WidgetTokenClaims, conversationId: string): Promise<void> {
  assertConversationId(conversationId);
  const deleted = await deleteOwnConversation(db, { workspaceId: visitor.workspaceId, visitorId: visitor.visitorId, conversationId });
  if (!deleted) throw conversationNotFound();
}
