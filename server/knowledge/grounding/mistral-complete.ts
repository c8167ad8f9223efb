// A short, non-streamed chat completion through the Mistral SDK, for rewriting a follow-up
// question (rewrite-query.ts). Never retried: a person is waiting, and the raw question is
// a fine query when this fails.
import { createHash } from 'node:crypto';
import { Mistral } from '@mistralai/mistralai';
import { MistralError } from '@mistralai/mistralai/models/errors';
import { ProviderError, type ChatMessage, type TokenUsage } from '../../providers/provider.js';

export interface CompleteRequest {
  apiKey: string;
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Completion {
  text: string;
  usage: TokenUsage | undefined;
}

/** Throws a ProviderError (auth, rate_limited, rejected, timeout, unavailable, aborted). */
export interface Completer {
  complete(request: CompleteRequest): Promise<Completion>;
}

/** SDK clients kept, one per key (most workspaces share the operator's); the oldest goes first. */
const MAX_CLIENTS = 1_000;

export function mistralCompleter(options: { serverUrl: string }): Completer {
  // Keyed by the key's hash, so the map holds no copy of a secret as a key.
  const clients = new Map<string, Mistral>();
  const clientFor = (apiKey: string) => {
    const id = createHash('sha256').update(apiKey).digest('base64');
    let client = clients.get(id);
    if (client) clients.delete(id);
    else client = new Mistral({ apiKey, serverURL: options.serverUrl });
    clients.set(id, client);
    if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    return client;
  };

  async function complete({ apiKey, model, messages, maxTokens, timeoutMs, signal }: CompleteRequest): Promise<Completion> {
    if (signal?.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const response = await clientFor(apiKey).chat.complete(
        { model, messages, maxTokens, temperature: 0, stream: false },
        { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, retries: { strategy: 'none' } },
      );
      const content = response.choices[0]?.message?.content;
      const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((c) => (c.type === 'text' ? c.text : '')).join('') : '';
      const u = response.usage;
      return { text, usage: u ? { promptTokens: u.promptTokens ?? 0, completionTokens: u.completionTokens ?? 0 } : undefined };
    } catch (err) {
      if (signal?.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
      if (timeout.aborted) throw new ProviderError('timeout', `no answer within ${timeoutMs} ms`);
      throw classify(err, apiKey);
    }
  }

  return { complete };
}

function classify(err: unknown, apiKey: string): ProviderError {
  const clip = (text: string) => text.split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim().slice(0, 300);
  if (err instanceof MistralError) {
    const status = err.statusCode;
    const detail = `HTTP ${status}: ${clip(err.body)}`;
    if (status === 401 || status === 403) return new ProviderError('auth', detail, status);
    if (status === 429) return new ProviderError('rate_limited', detail, status);
    if (status >= 400 && status < 500) return new ProviderError('rejected', detail, status);
    return new ProviderError('unavailable', detail, status);
  }
  return new ProviderError('unavailable', clip((err as Error)?.message ?? String(err)));
}
