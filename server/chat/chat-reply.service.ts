import type { Config } from '../config.js';
import type { Db } from '../db/db.js';
import { withTenant } from '../db/tenant.js';
import type { Logger } from '../logging.js';
import { ProviderError, visitorMessage, type ChatProvider, type TokenUsage } from '../providers/provider.js';
import { auditIfFirst, budgetSpent, replyTokenLimit, utcDay } from '../usage/usage.service.js';
import type { WidgetTokenClaims } from '../widget-session/widget-token.js';
import { acceptMessage } from './chat-accept.service.js';
import { storeReplyRow, type StoredReply } from './chat-reply.repo.js';
import type { MessageRow } from './chat.repo.js';
import { assertConversationId } from './chat.service.js';
import { trimHistory } from './history.js';
import { fallbackAfterFailure, groundingDeps, planGroundedReply, replySources, type GroundingPlan } from '../knowledge/grounding/grounded-reply.js';
import type { MessageSource } from '../knowledge/grounding/message-sources.js';

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
  /**
   * It ended; truncated when it was cut at the workspace's maximum reply length (stored as
   * incomplete). sources: what a grounded reply cites; undefined for a workspace without knowledge.
   */
  | { status: 'complete'; replyId: string | undefined; truncated: boolean; sources?: MessageSource[] | undefined }
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
 * answers. Errors thrown before onAccepted are the visitor's to see (403, 404, 409, 429
 * budget_exhausted, 503): nothing is stored then, and nothing is sent to the provider.
 * A workspace with knowledge grounds the reply in its passages first
 * (server/knowledge/grounding/), and answers with them when the model cannot: no key,
 * the day's budget spent, or the provider failing before any text.
 */
export async function sendMessage(
  deps: ReplyDeps,
  visitor: WidgetTokenClaims,
  conversationId: string,
  content: string,
  origin: string | undefined,
  hooks: ReplyHooks,
): Promise<ReplyOutcome> {
  const { config, logger } = deps;
  const { workspaceId } = visitor;
  assertConversationId(conversationId);
  // In a burst a message may wait long for the database; a visitor who left meanwhile costs no more of it.
  if (hooks.signal.aborted) return { status: 'abandoned', replyId: undefined };
  const accepted = await acceptMessage(deps, visitor, conversationId, content, origin, hooks.signal);
  if (!accepted) return { status: 'abandoned', replyId: undefined };
  hooks.onAccepted(accepted.message);
  // Stored, but nobody waits for the reply: the provider is not asked (and nothing is charged).
  if (hooks.signal.aborted) {
    logger.info({ workspaceId, conversationId }, 'visitor left before the reply started');
    return { status: 'abandoned', replyId: undefined };
  }

  const { settings, key } = accepted;
  const model = settings.model ?? config.mistral.model;
  const ids = { workspaceId, conversationId };
  // With knowledge: the grounded request, its passages and what finding them cost.
  let grounded: Extract<GroundingPlan, { kind: 'ask' }> | undefined;
  if (accepted.knowledge) {
    const plan = await planGroundedReply(groundingDeps(deps), {
      workspaceId, history: accepted.history, systemPrompt: settings.systemPrompt, model, rules: accepted.knowledge,
      apiKey: key?.apiKey, unavailable: accepted.unavailable, signal: hooks.signal,
    });
    if (!plan) return { status: 'abandoned', replyId: undefined };
    // Decided without the model: the unknown-answer sentence, or the passages when it cannot be asked.
    if (plan.kind === 'answer') {
      hooks.onDelta(plan.content);
      const replyId = await storeReply(deps, ids, { content: plan.content, status: 'complete', model: plan.model, sources: plan.sources }, plan.usage);
      return { status: 'complete', replyId, truncated: false, sources: plan.sources };
    }
    grounded = plan;
  }
  // Without a key or budget a workspace with knowledge got an answer above; one without was refused.
  if (!key) throw new Error('a message was accepted without a provider key');
  const messages = grounded ? grounded.messages : trimHistory(accepted.history, settings.systemPrompt);
  const maxTokens = replyTokenLimit(config, settings.maxReplyTokens);
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
  // The rewrite and the question's embedding count with the reply.
  const tokens = addUsage(usage ?? estimate(messages, text, failure), grounded?.usage);
  const sources = grounded && replySources(grounded, text);
  if (!failure) {
    // A reply cut at max_tokens is kept as it came, marked incomplete.
    const replyId = await storeReply(deps, ids, { content: text, status: truncated ? 'incomplete' : 'complete', model, ...usage, sources }, tokens);
    return { status: 'complete', replyId, truncated, sources };
  }
  const where = { workspaceId, conversationId, provider: deps.provider.name, model, keySource: key.source, chars: text.length };
  // The provider failed before any text: a workspace with knowledge answers with the passages found.
  const fallback = !text && !hooks.signal.aborted && grounded ? fallbackAfterFailure(grounded) : undefined;
  if (fallback) {
    logger.warn({ ...where, failure: failure.kind, status: failure.status, detail: failure.detail }, 'provider request failed: answered with the passages');
    hooks.onDelta(fallback.content);
    const replyId = await storeReply(deps, ids, { ...fallback, status: 'complete' }, tokens);
    return { status: 'complete', replyId, truncated: false, sources: fallback.sources };
  }
  // A failure before any text leaves nothing worth keeping: the visitor's message stays, unanswered.
  const replyId = await storeReply(deps, ids, text ? { content: text, status: 'incomplete', model, sources } : undefined, tokens);
  if (hooks.signal.aborted) {
    logger.info(where, 'visitor left during the reply');
    return { status: 'abandoned', replyId };
  }
  logger.warn({ ...where, failure: failure.kind, status: failure.status, detail: failure.detail }, 'provider request failed');
  return { status: 'failed', replyId, code: 'provider_error', message: visitorMessage(failure.kind) };
}

function addUsage(a: TokenUsage, b: TokenUsage | undefined): TokenUsage {
  return b ? { promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens } : a;
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

/**
 * Stores the reply (if any) and counts its tokens in one statement; the reply that
 * spends the day's budget then marks and audits it, separately: the reply matters
 * more than its audit, so a failure there is logged, never shown to the visitor.
 */
async function storeReply(
  deps: ReplyDeps,
  ids: { workspaceId: string; conversationId: string },
  reply: StoredReply | undefined,
  tokens: TokenUsage,
): Promise<string | undefined> {
  if (!reply && tokens.promptTokens + tokens.completionTokens <= 0) return undefined;
  const { db, config, logger } = deps;
  const day = utcDay();
  const stored = await withTenant(db, ids.workspaceId, (q) => storeReplyRow(q, ids, reply, { day, ...tokens }));
  if (stored.used === undefined || stored.exhaustedAt) return stored.replyId;
  const { spent, budget } = budgetSpent(config, { override: stored.override, used: stored.used });
  if (spent && budget !== undefined) {
    await withTenant(db, ids.workspaceId, (q) => auditIfFirst(q, ids.workspaceId, day, budget)).catch((err: unknown) => {
      logger.error({ err, workspaceId: ids.workspaceId }, 'the spent token budget could not be recorded');
    });
  }
  return stored.replyId;
}
