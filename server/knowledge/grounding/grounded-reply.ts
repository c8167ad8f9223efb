// What a message to a workspace with knowledge does between being stored and the model's
// reply: rewrite a follow-up into a search query, retrieve, then either answer at once
// (the unknown-answer sentence, or the passages themselves when the model cannot be asked)
// or hand the chat path a grounded request. No transaction stays open meanwhile: the
// retrieval's own is short, and the provider calls happen outside any.
import type { Config } from '../../config.js';
import type { Db } from '../../db/db.js';
import type { Logger } from '../../logging.js';
import { ProviderError, type ChatMessage, type TokenUsage } from '../../providers/provider.js';
import { trimHistory } from '../../chat/history.js';
import { mistralEmbedder, type Embedder } from '../embed/mistral-embed.js';
import { searchKnowledge } from '../knowledge-search.js';
import type { RetrievedPassage } from '../retrieval.js';
import { citedSources } from './citations.js';
import { composeFallback, FALLBACK_MODEL, type FallbackReason } from './fallback-reply.js';
import { buildGroundedMessages, type GroundingRules } from './grounded-prompt.js';
import type { MessageSource } from './message-sources.js';
import { mistralCompleter, type Completer } from './mistral-complete.js';
import { rewriteQuery } from './rewrite-query.js';

export interface GroundingDeps {
  db: Db;
  logger: Logger;
  embedder: Embedder;
  completer: Completer;
}

const clients = new WeakMap<Config, Pick<GroundingDeps, 'embedder' | 'completer'>>();

/** The embedder and completer for this configuration, made once (their SDK clients are reused). */
export function groundingDeps(deps: { db: Db; config: Config; logger: Logger }): GroundingDeps {
  let made = clients.get(deps.config);
  if (!made) {
    const serverUrl = deps.config.mistral.serverUrl;
    // One retry at most: a visitor is waiting, and full text answers if the embedding fails.
    made = { embedder: mistralEmbedder({ serverUrl, maxAttempts: 2, maxRetryAfterMs: 2_000 }), completer: mistralCompleter({ serverUrl }) };
    clients.set(deps.config, made);
  }
  return { db: deps.db, logger: deps.logger, ...made };
}

export interface GroundingInput {
  workspaceId: string;
  /** The conversation, oldest first, the visitor's message last. */
  history: readonly { role: 'user' | 'assistant'; content: string }[];
  systemPrompt: string;
  model: string;
  rules: GroundingRules;
  /** The key to rewrite and embed with; undefined when the workspace has none. */
  apiKey: string | undefined;
  /** Why the model will not be asked at all (no key, the day's budget spent): the passages answer instead. */
  unavailable?: Exclude<FallbackReason, 'provider_failed'> | undefined;
  /** The visitor left: everything under way is cancelled. */
  signal: AbortSignal;
}

export type GroundingPlan =
  /** The reply is decided without the model: store and send it as it is. */
  | { kind: 'answer'; content: string; sources: MessageSource[]; model: string | null; usage: TokenUsage }
  /** Ask the model with these messages; passages (maybe none) for citing and for the fallback. */
  | { kind: 'ask'; messages: ChatMessage[]; passages: RetrievedPassage[]; usage: TokenUsage; rules: GroundingRules };

/** Plans the reply; undefined when the visitor left meanwhile. Database errors are thrown as they come. */
export async function planGroundedReply(deps: GroundingDeps, input: GroundingInput): Promise<GroundingPlan | undefined> {
  const { workspaceId, rules, signal } = input;
  const apiKey = input.unavailable ? undefined : input.apiKey;
  try {
    const ask = apiKey ? { completer: deps.completer, apiKey, model: input.model, signal } : undefined;
    const rewrite = await rewriteQuery(input.history, ask);
    if (rewrite.failure) deps.logger.info({ workspaceId, failure: rewrite.failure }, 'follow-up question not rewritten: searching with the last two questions');
    const found = await searchKnowledge({ db: deps.db, embedder: deps.embedder }, { workspaceId, question: rewrite.query, apiKey, signal });
    if (found.embedFailure) deps.logger.info({ workspaceId, failure: found.embedFailure }, 'question not embedded: full-text search only');
    const usage = { promptTokens: rewrite.usage.promptTokens + found.tokens, completionTokens: rewrite.usage.completionTokens };
    const { passages } = found;
    // Nothing to answer from, and only the sources may answer: say so, without paying the model to.
    if (passages.length === 0 && rules.strictness === 'sources_only') {
      return { kind: 'answer', content: rules.unknownAnswer, sources: [], model: null, usage };
    }
    if (input.unavailable) return { kind: 'answer', ...composeFallback(passages, input.unavailable), model: FALLBACK_MODEL, usage };
    const messages =
      passages.length > 0
        ? buildGroundedMessages({ systemPrompt: input.systemPrompt, history: input.history, passages, ...rules })
        : trimHistory(input.history, input.systemPrompt);
    return { kind: 'ask', messages, passages, usage, rules };
  } catch (err) {
    if (signal.aborted && (err instanceof ProviderError || (err as Error)?.name === 'AbortError')) return undefined;
    throw err;
  }
}

/** The sources of the model's finished reply. */
export function replySources(plan: Extract<GroundingPlan, { kind: 'ask' }>, text: string): MessageSource[] {
  return citedSources(text, plan.passages, plan.rules.unknownAnswer);
}

/**
 * The reply when the provider failed before any text: the passages the question found,
 * or undefined when it found none (the visitor then gets the usual error, and may retry).
 */
export function fallbackAfterFailure(plan: Extract<GroundingPlan, { kind: 'ask' }>): { content: string; sources: MessageSource[]; model: string } | undefined {
  if (plan.passages.length === 0) return undefined;
  return { ...composeFallback(plan.passages, 'provider_failed'), model: FALLBACK_MODEL };
}
