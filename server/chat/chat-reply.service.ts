import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logging.js';
import { resolveProviderKey } from '../providers/provider-key.js';
import { ProviderError, visitorMessage, type ChatProvider, type TokenUsage } from '../providers/provider.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import { findReplyContext, insertAssistantMessage, insertUserMessage, type MessageRow } from './chat.repo.js';
import { assertConversationId, conversationNotFound } from './chat.service.js';
import { trimHistory } from './history.js';

/** A conversation takes no visitor message beyond this many messages. */
export const MAX_CONVERSATION_MESSAGES = 200;

export interface ReplyDeps {
  db: Db;
  config: Config;
  logger: Logger;
  provider: ChatProvider;
}

export interface ReplyHooks {
  /** Aborts when the visitor has gone; the upstream request is then cancelled. */
  signal: AbortSignal;
  /** The visitor's message is committed: from here on, answer with a stream. */
  onAccepted(message: MessageRow): void;
  onDelta(text: string): void;
}

export type ReplyOutcome =
  | { status: 'complete'; replyId: string | undefined }
  /** It failed: replyId names the incomplete reply stored, if any text came. */
  | { status: 'failed'; replyId: string | undefined; code: 'provider_error' | 'internal_error'; message: string }
  /** The visitor left; whatever text came is stored as incomplete. */
  | { status: 'abandoned'; replyId: string | undefined };

/**
 * Stores the visitor's message, then streams the model's reply to the hooks and stores
 * it once it has ended, complete or not. No transaction stays open while the model
 * answers. Errors thrown before onAccepted are the visitor's to see (404, 409, 503).
 */
export async function sendMessage(
  deps: ReplyDeps,
  visitor: WidgetTokenClaims,
  conversationId: string,
  content: string,
  hooks: ReplyHooks,
): Promise<ReplyOutcome> {
  const { db, config, logger } = deps;
  const { workspaceId, visitorId } = visitor;
  assertConversationId(conversationId);
  const context = await findReplyContext(db, workspaceId, visitorId, conversationId);
  if (!context) throw conversationNotFound();
  const key = await resolveProviderKey(db, config, workspaceId, logger);
  if (!key) throw new HttpError(503, 'model_not_configured', 'This chat has no AI model configured yet.');
  if (context.messageCount >= MAX_CONVERSATION_MESSAGES) {
    throw new HttpError(409, 'conversation_full', 'This conversation is full. Please start a new one.');
  }
  const stored = await insertUserMessage(db, { workspaceId, visitorId, conversationId }, content);
  if (!stored) throw conversationNotFound();
  hooks.onAccepted(stored.message);

  const model = context.model ?? config.mistral.model;
  const messages = trimHistory(stored.history, context.systemPrompt);
  let text = '';
  let usage: TokenUsage | undefined;
  let failure: ProviderError | undefined;
  try {
    for await (const event of deps.provider.stream({ apiKey: key.apiKey, model, messages, signal: hooks.signal })) {
      if (event.type === 'delta') {
        text += event.text;
        hooks.onDelta(event.text);
      } else {
        usage = event.usage;
      }
    }
  } catch (err) {
    failure = err instanceof ProviderError ? err : new ProviderError('unavailable', (err as Error)?.message ?? String(err));
  }

  const ids = { workspaceId, conversationId };
  if (!failure) {
    const replyId = await insertAssistantMessage(db, ids, { content: text, status: 'complete', model, ...usage });
    return { status: 'complete', replyId };
  }
  // A failure before any text leaves nothing worth keeping: the visitor's message stays, unanswered.
  const replyId = text ? await insertAssistantMessage(db, ids, { content: text, status: 'incomplete', model }) : undefined;
  const where = { workspaceId, conversationId, provider: deps.provider.name, model, keySource: key.source, chars: text.length };
  if (hooks.signal.aborted) {
    logger.info(where, 'visitor left during the reply');
    return { status: 'abandoned', replyId };
  }
  logger.warn({ ...where, failure: failure.kind, status: failure.status, detail: failure.detail }, 'provider request failed');
  return { status: 'failed', replyId, code: 'provider_error', message: visitorMessage(failure.kind) };
}
