// Follow-up questions ("and how long does that take?") search badly on their own: with
// earlier turns, the model first rewrites the question into a standalone search query. On
// any failure the query is the previous question and this one together, which full text
// and embeddings both handle well enough.
import { ProviderError, type ChatMessage, type TokenUsage } from '../../providers/provider.js';
import type { Completer } from './mistral-complete.js';

/** The rewrite's longest answer: a query, not a reply. */
export const REWRITE_MAX_TOKENS = 64;
/** How long the rewrite may take before the fallback query is used instead. */
export const REWRITE_TIMEOUT_MS = 4_000;
/** Earlier messages shown to the rewrite, each cut to REWRITE_MESSAGE_CHARS. */
const REWRITE_TURNS = 6;
const REWRITE_MESSAGE_CHARS = 600;
/** A rewritten query longer than this is cut (a model that answered instead of rewriting). */
const MAX_QUERY_CHARS = 300;

type Turn = { role: 'user' | 'assistant'; content: string };

export interface RewriteResult {
  query: string;
  /** How the query was made: by the model, or without it (first message, failure, no model to ask). */
  via: 'model' | 'first_message' | 'fallback';
  /** Tokens the rewrite cost (counted in the day's usage). */
  usage: TokenUsage;
  /** Why the model's rewrite was not used, when it was asked. */
  failure?: string;
}

const NONE: TokenUsage = { promptTokens: 0, completionTokens: 0 };

const INSTRUCTION = [
  "Rewrite the visitor's last message as one standalone search query for the website's help content.",
  'Use the earlier messages only to resolve what the last message refers to (pronouns, "that", "it", omitted subjects).',
  'Keep the language of the last message. Reply with the query alone: no quotes, no explanation, no answer, at most 30 words.',
].join('\n');

/** The rewrite request: an instruction, then the conversation as a transcript (so the model does not simply continue it). */
export function rewriteMessages(earlier: readonly Turn[], question: string): ChatMessage[] {
  const clip = (t: string) => (t.length > REWRITE_MESSAGE_CHARS ? `${t.slice(0, REWRITE_MESSAGE_CHARS)}…` : t).replace(/\s+/g, ' ').trim();
  const transcript = earlier
    .slice(-REWRITE_TURNS)
    .filter((m) => m.content.trim())
    .map((m) => `${m.role === 'user' ? 'Visitor' : 'Assistant'}: ${clip(m.content)}`)
    .join('\n');
  return [
    { role: 'system', content: INSTRUCTION },
    { role: 'user', content: `Conversation:\n${transcript}\n\nLast message: ${clip(question)}\n\nStandalone search query:` },
  ];
}

/** The query in the model's answer: its first line, without a label or quotes; undefined when empty. */
export function parseRewrite(text: string): string | undefined {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0);
  if (!line) return undefined;
  const query = line
    .replace(/^(?:standalone\s+)?(?:search\s+)?query\s*:\s*/i, '')
    .replace(/^["'“«`]+|["'”»`]+$/g, '')
    .trim();
  if (!query) return undefined;
  return query.length > MAX_QUERY_CHARS ? query.slice(0, MAX_QUERY_CHARS) : query;
}

/** Without the model: the visitor's previous message and this one, so "and for Germany?" keeps its subject. */
export function fallbackQuery(earlier: readonly Turn[], question: string): string {
  const previous = [...earlier].reverse().find((m) => m.role === 'user' && m.content.trim());
  return previous ? `${previous.content.trim()}\n${question}` : question;
}

/**
 * The search query for the visitor's question. history: the conversation, oldest first,
 * the question last. ask: how to reach the model, or undefined when it must not be asked
 * (no key, budget spent): then the fallback query.
 */
export async function rewriteQuery(
  history: readonly Turn[],
  ask: { completer: Completer; apiKey: string; model: string; signal?: AbortSignal; timeoutMs?: number } | undefined,
): Promise<RewriteResult> {
  const question = history.at(-1)?.content ?? '';
  const earlier = history.slice(0, -1).filter((m) => m.content.trim());
  if (earlier.length === 0) return { query: question, via: 'first_message', usage: NONE };
  if (!ask) return { query: fallbackQuery(earlier, question), via: 'fallback', usage: NONE };
  try {
    const { text, usage } = await ask.completer.complete({
      apiKey: ask.apiKey, model: ask.model, messages: rewriteMessages(earlier, question), maxTokens: REWRITE_MAX_TOKENS,
      timeoutMs: ask.timeoutMs ?? REWRITE_TIMEOUT_MS, signal: ask.signal,
    });
    const query = parseRewrite(text);
    const cost = usage ?? NONE;
    if (!query) return { query: fallbackQuery(earlier, question), via: 'fallback', usage: cost, failure: 'empty rewrite' };
    return { query, via: 'model', usage: cost };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.kind === 'aborted') throw err;
    return { query: fallbackQuery(earlier, question), via: 'fallback', usage: NONE, failure: err.kind };
  }
}
