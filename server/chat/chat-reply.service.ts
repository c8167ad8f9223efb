import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logging.js';
import { resolveProviderKey } from '../providers/provider-key.js';
import { ProviderError, visitorMessage, type ChatProvider, type TokenUsage } from '../providers/provider.js';
import { assertBudget, recordUsage, replyTokenLimit } from '../usage/usage.service.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import { findReplyContext, insertAssistantMessage, insertUserMessage, type MessageRow } from './chat.repo.js';
import { assertConversationId, conversationNotFound } from './chat.service.js';
import { trimHistory } from './history.js';

/** A conversation takes no visitor message beyond this many messages. */
export const MAX_CONVERSATION_MESSAGES = 200;

/**
 * No token is longer than this many characters, so a reply longer than max_tokens times
 * this comes from a provider that ignored max_tokens: it is cut there.
 */
export const MAX_CHARS_PER_TOKEN = 32;
/** Characters per token when a reply ended without the provider's count (Mistral's own rule of thumb). */
const CHARS_PER_TOKEN_ESTIMATE = 4;

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
  /** It ended; truncated when it was cut at the workspace's maximum reply length (stored as incomplete). */
  | { status: 'complete'; replyId: string | undefined; truncated: boolean }
  /** It failed: replyId names the incomplete reply stored, if any text came. */
  | { status: 'failed'; replyId: string | undefined; code: 'provider_error' | 'internal_error' | 'database_unavailable'; message: string }
  /**
   * The visitor left; whatever text came is stored as incomplete. When it left before its message
   * was stored, nothing is stored and the provider is never asked.
   */
  | { status: 'abandoned'; replyId: string | undefined };

/**
 * Stores the visitor's message, then streams the model's reply to the hooks and stores
 * it once it has ended, complete or not. No transaction stays open while the model
 * answers. Errors thrown before onAccepted are the visitor's to see (404, 409, 429
 * budget_exhausted, 503): nothing is stored then, and nothing is sent to the provider.
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
  // In a burst a message may wait long for the database; a visitor who left meanwhile costs no more of it.
  const gone = (): boolean => hooks.signal.aborted;
  assertConversationId(conversationId);
  const context = await findReplyContext(db, workspaceId, visitorId, conversationId);
  if (!context) throw conversationNotFound();
  if (gone()) return { status: 'abandoned', replyId: undefined };
  const key = await resolveProviderKey(db, config, workspaceId, logger);
  if (!key) throw new HttpError(503, 'model_not_configured', 'This chat has no AI model configured yet.');
  if (context.messageCount >= MAX_CONVERSATION_MESSAGES) {
    throw new HttpError(409, 'conversation_full', 'This conversation is full. Please start a new one.');
  }
  await assertBudget(db, config, workspaceId);
  // Never seen as accepted, so never stored: the widget drops a message it could not send.
  if (gone()) return { status: 'abandoned', replyId: undefined };
  const stored = await insertUserMessage(db, { workspaceId, visitorId, conversationId }, content);
  if (!stored) throw conversationNotFound();
  hooks.onAccepted(stored.message);
  // Stored, but nobody waits for the reply: the provider is not asked (and nothing is charged).
  if (gone()) {
    logger.info({ workspaceId, conversationId }, 'visitor left before the reply started');
    return { status: 'abandoned', replyId: undefined };
  }

  const model = context.model ?? config.mistral.model;
  const messages = trimHistory(stored.history, context.systemPrompt);
  const maxTokens = replyTokenLimit(config, context.maxReplyTokens);
  const maxChars = maxTokens * MAX_CHARS_PER_TOKEN;
  let text = '';
  let usage: TokenUsage | undefined;
  let truncated = false;
  let failure: ProviderError | undefined;
  try {
    for await (const event of deps.provider.stream({ apiKey: key.apiKey, model, messages, maxTokens, signal: hooks.signal })) {
      if (event.type === 'delta') {
        const piece = event.text.slice(0, maxChars - text.length);
        text += piece;
        if (piece) hooks.onDelta(piece);
        // Leaving the loop cancels the upstream request.
        if (text.length >= maxChars) {
          truncated = true;
          break;
        }
      } else {
        usage = event.usage;
        truncated = event.finishReason === 'length';
      }
    }
  } catch (err) {
    failure = err instanceof ProviderError ? err : new ProviderError('unavailable', (err as Error)?.message ?? String(err));
  }
  await countUsage(deps, workspaceId, usage ?? estimate(messages, text, failure));

  const ids = { workspaceId, conversationId };
  if (!failure) {
    // A reply cut at max_tokens is kept as it came, marked incomplete.
    const replyId = await insertAssistantMessage(db, ids, { content: text, status: truncated ? 'incomplete' : 'complete', model, ...usage });
    return { status: 'complete', replyId, truncated };
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

/**
 * What a reply cost when the provider did not say: nothing if it refused the request,
 * else the prompt and the text received at about four characters a token, so leaving
 * before the end does not make a reply free.
 */
function estimate(messages: { content: string }[], text: string, failure: ProviderError | undefined): TokenUsage {
  if (failure && ['auth', 'rate_limited', 'rejected'].includes(failure.kind)) return { promptTokens: 0, completionTokens: 0 };
  const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
  return { promptTokens: Math.ceil(promptChars / CHARS_PER_TOKEN_ESTIMATE), completionTokens: Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE) };
}

// The reply matters more than its count: a failure to count is logged, never shown to the visitor.
async function countUsage(deps: ReplyDeps, workspaceId: string, usage: TokenUsage): Promise<void> {
  try {
    await recordUsage(deps.db, deps.config, workspaceId, usage);
  } catch (err) {
    deps.logger.error({ err, workspaceId }, 'token usage could not be recorded');
  }
}
