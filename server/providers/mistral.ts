import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { HTTPClient, Mistral } from '@mistralai/mistralai';
import type { CompletionEvent } from '@mistralai/mistralai/models/components';
import { MistralError } from '@mistralai/mistralai/models/errors';
import { ProviderError, type ChatProvider, type ChatRequest, type ChatStreamEvent } from './provider.js';

export interface MistralOptions {
  serverUrl: string;
  /** From sending the request to the first streamed event: connecting, queueing, first token. */
  firstByteTimeoutMs?: number;
  /** Longest silence between two events once the reply has started. */
  idleTimeoutMs?: number;
  /** How long checking a key (listing models) may take. */
  checkTimeoutMs?: number;
}

export const FIRST_BYTE_TIMEOUT_MS = 30_000;
export const IDLE_TIMEOUT_MS = 30_000;
export const CHECK_TIMEOUT_MS = 10_000;
const DETAIL_CHARS = 300;
/** SDK clients kept, one per key in use (most workspaces share the operator's); the least recently used goes first. */
export const MAX_CLIENTS = 1_000;

// The SDK makes a Request carrying our signal, clones it and fetches the clone. Node 20's
// fetch links each of those signals to the next only weakly, so after a garbage collection
// an abort no longer reached the socket and the provider went on streaming (and billing)
// to nobody. The fetcher hands fetch the caller's own signal, held for the whole stream.
const upstreamSignal = new AsyncLocalStorage<AbortSignal>();
const fetcher = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const signal = upstreamSignal.getStore();
  return fetch(input, signal ? { ...init, signal } : init);
};

/** Mistral's chat completions through the official SDK, streamed. */
export function mistralProvider(options: MistralOptions): ChatProvider {
  const firstByteMs = options.firstByteTimeoutMs ?? FIRST_BYTE_TIMEOUT_MS;
  const idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  // Building a client costs more CPU than a message's own work: one per key, reused.
  // Keyed by the key's hash, so the map's keys are no copy of a secret.
  const clients = new Map<string, Mistral>();
  const clientFor = (apiKey: string): Mistral => {
    const id = createHash('sha256').update(apiKey).digest('base64');
    let client = clients.get(id);
    if (client) clients.delete(id);
    else client = new Mistral({ apiKey, serverURL: options.serverUrl, httpClient: new HTTPClient({ fetcher }) });
    clients.set(id, client);
    if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    return client;
  };

  async function* stream({ apiKey, model, messages, maxTokens, signal }: ChatRequest): AsyncGenerator<ChatStreamEvent> {
    // The SDK takes one signal and then ignores its own timeout, so one controller carries
    // the caller's abort and both of our timeouts.
    const controller = new AbortController();
    let timedOut: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let armedFor: string | undefined;
    const arm = (ms: number, what: string) => {
      // Re-armed on every event: the same timeout restarts without a new timer.
      if (timer && armedFor === what) {
        timer.refresh();
        return;
      }
      clearTimeout(timer);
      armedFor = what;
      timer = setTimeout(() => {
        timedOut = what;
        controller.abort();
      }, ms);
    };
    // Gone before we began: no request at all, rather than one started and cancelled.
    if (signal.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    arm(firstByteMs, `no reply within ${firstByteMs} ms`);
    let finished = false;
    let finishReason: string | undefined;
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    try {
      const events = await upstreamSignal.run(controller.signal, () =>
        clientFor(apiKey).chat.stream(
          { model, messages, stream: true, ...(maxTokens !== undefined && { maxTokens }) },
          { signal: controller.signal, retries: { strategy: 'none' } },
        ),
      );
      for await (const event of events) {
        arm(idleMs, `no data for ${idleMs} ms`);
        const text = textOf(event);
        if (text) yield { type: 'delta', text };
        const { usage: u } = event.data;
        if (u) usage = { promptTokens: u.promptTokens ?? 0, completionTokens: u.completionTokens ?? 0 };
        const ended = event.data.choices.find((c) => c.finishReason !== null);
        if (ended) {
          finished = true;
          finishReason = String(ended.finishReason);
        }
      }
    } catch (err) {
      // Once the reply has finished, a connection that breaks before [DONE] loses nothing.
      if (!finished) {
        if (timedOut) throw new ProviderError('timeout', timedOut);
        if (signal.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
        throw classify(err, apiKey);
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // A consumer that stops early must not leave the upstream request running.
      controller.abort();
    }
    if (!finished) throw new ProviderError('unavailable', 'the stream ended before the reply finished');
    yield { type: 'done', usage, finishReason };
  }

  /** Lists the key's models: the cheapest call that proves Mistral accepts the key. */
  async function checkKey(apiKey: string, signal: AbortSignal): Promise<void> {
    const checkMs = options.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(checkMs);
    try {
      const client = new Mistral({ apiKey, serverURL: options.serverUrl });
      await client.models.list(undefined, { signal: AbortSignal.any([signal, timeout]), retries: { strategy: 'none' } });
    } catch (err) {
      // A 2xx whose body the SDK cannot parse still means the key was accepted.
      if (err instanceof MistralError && err.statusCode >= 200 && err.statusCode < 300) return;
      if (signal.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
      if (timeout.aborted) throw new ProviderError('timeout', `no answer within ${checkMs} ms`);
      throw classify(err, apiKey);
    }
  }

  return { name: 'mistral', stream, checkKey };
}

function textOf(event: CompletionEvent): string {
  let text = '';
  for (const choice of event.data.choices) {
    const content = choice.delta.content;
    if (typeof content === 'string') text += content;
    else if (Array.isArray(content)) {
      for (const chunk of content) if (chunk.type === 'text' && 'text' in chunk && typeof chunk.text === 'string') text += chunk.text;
    }
  }
  return text;
}

function classify(err: unknown, apiKey: string): ProviderError {
  if (err instanceof MistralError) {
    const status = err.statusCode;
    const detail = `HTTP ${status}: ${clip(err.body, apiKey)}`;
    if (status === 401 || status === 403) return new ProviderError('auth', detail, status);
    if (status === 429) return new ProviderError('rate_limited', detail, status);
    if (status >= 400 && status < 500) return new ProviderError('rejected', detail, status);
    return new ProviderError('unavailable', detail, status);
  }
  const e = err as { name?: unknown; message?: unknown; cause?: unknown } | null;
  const cause = (e?.cause as { message?: unknown } | undefined)?.message;
  const text = [e?.name, e?.message, cause].filter((v) => typeof v === 'string' && v.length > 0).join(': ');
  return new ProviderError('unavailable', clip(text || String(err), apiKey));
}

/** Short, one line, and without the key even if the provider echoed it back. */
function clip(text: string, apiKey: string): string {
  const oneLine = text.split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
  return oneLine.length > DETAIL_CHARS ? `${oneLine.slice(0, DETAIL_CHARS)}…` : oneLine;
}
