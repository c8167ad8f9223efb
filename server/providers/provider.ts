/** One turn of a conversation as a model provider sees it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export type ChatStreamEvent =
  | { type: 'delta'; text: string }
  /**
   * The last event of a reply that ended normally; finishReason `length` means the
   * reply was cut at maxTokens.
   */
  | { type: 'done'; usage: TokenUsage | undefined; finishReason?: string };

export interface ChatRequest {
  apiKey: string;
  model: string;
  messages: ChatMessage[];
  /** The longest reply wanted, in tokens (Mistral's max_tokens). */
  maxTokens?: number;
  /** Aborting it cancels the upstream request. */
  signal: AbortSignal;
}

/** A model provider, reduced to the one thing Parley asks of it. */
export interface ChatProvider {
  readonly name: string;
  /** Streams a reply; ends with a `done` event or throws a ProviderError. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  /**
   * Resolves when the provider accepts apiKey (a cheap authenticated read); otherwise
   * throws a ProviderError: `auth` when it refuses the key, anything else when it could
   * not say.
   */
  checkKey(apiKey: string, signal: AbortSignal): Promise<void>;
}

export type ProviderFailure =
  /** The key was refused. */
  | 'auth'
  | 'rate_limited'
  /** The provider refused this request (unknown model, conversation too long, …). */
  | 'rejected'
  | 'timeout'
  | 'unavailable'
  /** Our side cancelled it: the visitor left or the server is stopping. */
  | 'aborted';

/**
 * A failed provider call. `detail` is for the operator's log: it never holds the
 * key or the conversation. Visitors see `visitorMessage(kind)` instead.
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly kind: ProviderFailure,
    readonly detail: string,
    readonly status?: number,
  ) {
    super(`${kind}: ${detail}`);
  }
}

const VISITOR_MESSAGES: Record<ProviderFailure, string> = {
  auth: 'The assistant is not available right now. Please try again later.',
  rate_limited: 'The assistant is busy right now. Please try again in a minute.',
  rejected: 'The assistant could not answer this message. Please try again, or start a new conversation.',
  timeout: 'The assistant took too long to answer. Please try again.',
  unavailable: 'The assistant is unavailable right now. Please try again in a moment.',
  aborted: 'The reply was interrupted. Please try again.',
};

/** The sentence a visitor sees for a failure: clear, and without any detail of the cause. */
export function visitorMessage(kind: ProviderFailure): string {
  return VISITOR_MESSAGES[kind];
}
