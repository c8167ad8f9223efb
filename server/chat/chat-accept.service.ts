import { withTenant } from '../db/tenant.js';
import { originNotAllowed } from '../http/cors.js';
import { HttpError } from '../http/errors.js';
import { chooseProviderKey, operatorKeyRule, type ProviderKey } from '../providers/provider-key.js';
import { auditIfFirst, budgetExhausted, budgetSpent, utcDay } from '../usage/usage.service.js';
import { toWidgetSettings, type WidgetSettings, type WidgetSettingsRow } from '../widget-session/widget-session.repo.js';
import { originAllowed, widgetSettingsCache } from '../widget-session/widget-settings-cache.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import type { GroundingRules } from '../knowledge/grounding/grounded-prompt.js';
import { acceptMessageRow } from './chat-accept.repo.js';
import type { ReplyDeps } from './chat-reply.service.js';
import type { MessageRow } from './chat.repo.js';
import { conversationNotFound } from './chat.service.js';

/** A conversation takes no visitor message beyond this many messages. */
export const MAX_CONVERSATION_MESSAGES = 200;

/** The visitor's message, committed, and what asking the model for the reply needs. */
export interface Accepted {
  message: MessageRow;
  /** The conversation, oldest first, this message last. */
  history: Pick<MessageRow, 'role' | 'content'>[];
  settings: Pick<WidgetSettings, 'model' | 'systemPrompt' | 'maxReplyTokens'>;
  /** Undefined only with knowledge: then `unavailable` says why. */
  key: ProviderKey | undefined;
  /** The workspace has knowledge: the reply is grounded in it (server/knowledge/grounding/). */
  knowledge: GroundingRules | undefined;
  /** With knowledge, why the model will not be asked: its passages answer instead. */
  unavailable: 'no_key' | 'budget_spent' | undefined;
}

const modelNotConfigured = () => new HttpError(503, 'model_not_configured', 'This chat has no AI model configured yet.');
const conversationFull = () => new HttpError(409, 'conversation_full', 'This conversation is full. Please start a new one.');

/** The visitor left while its message was being taken: the transaction rolls back. */
class VisitorLeft extends Error {}

/**
 * Checks and commits a visitor's message in one short tenant transaction of one
 * statement (chat-accept.repo.ts): the page's origin (403, from the settings cache, or
 * read in the same statement when it holds none), the conversation (404), a key (503
 * model_not_configured), room in the conversation (409) and the day's budget (429,
 * audited once a day). Undefined when the visitor left before the commit: nothing is stored.
 */
export async function acceptMessage(
  deps: ReplyDeps,
  visitor: WidgetTokenClaims,
  conversationId: string,
  content: string,
  origin: string | undefined,
  signal: AbortSignal,
): Promise<Accepted | undefined> {
  const { db, config, logger } = deps;
  const { workspaceId, visitorId } = visitor;
  const cache = widgetSettingsCache(db);
  const held = cache.peek(workspaceId);
  if (held && !originAllowed(held, origin)) throw originNotAllowed();
  const ticket = cache.ticket();
  const now = new Date();
  const day = utcDay(now);
  const input = {
    workspaceId, conversationId, visitorId, content, day, defaultBudget: config.usage.dailyTokenBudget,
    maxMessages: MAX_CONVERSATION_MESSAGES, operatorKey: operatorKeyRule(config),
  };
  let outcome: Accepted | HttpError;
  try {
    outcome = await withTenant(db, workspaceId, async (q) => {
      const row = await acceptMessageRow(q, input, !held);
      let settings = held;
      if (!settings) {
        // A workspace that is gone reads as one with no settings: no origin is allowed.
        settings = toWidgetSettings(row as WidgetSettingsRow | undefined);
        if (!originAllowed(settings, origin)) throw originNotAllowed();
        if (row) cache.offer(ticket, workspaceId, settings);
      }
      if (!row?.found) throw conversationNotFound();
      const sealedKey = row.key_id && row.nonce && row.ciphertext ? { keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext } : undefined;
      const key = chooseProviderKey(config, workspaceId, { sealedKey, operatorKeyGranted: row.operator_key_granted }, logger);
      // With knowledge, no key and a spent budget still take the message: its passages answer.
      const knowledge = row.hasKnowledge ? { strictness: settings.knowledgeStrictness, unknownAnswer: settings.knowledgeUnknownAnswer } : undefined;
      if (!key && !knowledge) throw modelNotConfigured();
      if (row.messageCount >= MAX_CONVERSATION_MESSAGES) throw conversationFull();
      const { spent, budget } = budgetSpent(config, row);
      if (spent && !knowledge) {
        // Nothing was inserted; the first refusal of a day not yet marked spent is audited, so this commits.
        if (!row.exhaustedAt && budget !== undefined) await auditIfFirst(q, workspaceId, day, budget);
        return budgetExhausted(now);
      }
      if (!row.messageId || !row.messageCreatedAt || !row.history) throw conversationNotFound();
      // Never seen as accepted, so never stored: the widget drops a message it could not send.
      if (signal.aborted) throw new VisitorLeft();
      const message: MessageRow = { id: row.messageId, role: 'user', content, status: 'complete', createdAt: row.messageCreatedAt };
      const unavailable = !key ? 'no_key' : spent ? 'budget_spent' : undefined;
      return { message, history: [...row.history, { role: 'user', content }], settings, key, knowledge, unavailable };
    });
  } catch (err) {
    if (err instanceof VisitorLeft) return undefined;
    throw err;
  }
  if (outcome instanceof HttpError) throw outcome;
  return outcome;
}
