import { setTimeout as sleep } from 'node:timers/promises';
import { Mistral } from '@mistralai/mistralai';
import { MistralError } from '@mistralai/mistralai/models/errors';
import { ProviderError } from '../../providers/provider.js';
import { EMBEDDING_DIMENSIONS } from '../vector-schema.js';
import { MAX_CHARS_PER_INPUT, MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_REQUEST, planBatches } from './embed-batches.js';

export const EMBEDDING_MODEL = 'mistral-embed';

export interface EmbedRequest {
  apiKey: string;
  texts: readonly string[];
  /** Aborting it cancels the request under way and any wait before a retry. */
  signal?: AbortSignal;
}

export interface EmbedResult {
  /** One unit-length vector of EMBEDDING_DIMENSIONS per text, in the texts' order. */
  vectors: number[][];
  /** Tokens the provider counted, over all requests. */
  tokens: number;
}

/** Turns texts into vectors; throws a ProviderError (auth, rate_limited, rejected, timeout, unavailable, aborted). */
export interface Embedder {
  readonly model: string;
  embed(request: EmbedRequest): Promise<EmbedResult>;
}

export interface MistralEmbedOptions {
  serverUrl: string;
  model?: string;
  maxInputsPerRequest?: number;
  maxTokensPerRequest?: number;
  /** Tries per request, the first included, on 429, 5xx, timeouts and lost connections. */
  maxAttempts?: number;
  /** The first back-off; each retry doubles it, with jitter, up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this fails at once (rate_limited): a job queue waits better than a held request. */
  maxRetryAfterMs?: number;
  requestTimeoutMs?: number;
}

const DEFAULTS = { maxAttempts: 5, initialDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000, requestTimeoutMs: 60_000 };
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'timeout']);
const DETAIL_CHARS = 300;

/** Mistral's embeddings (`mistral-embed`) through the official SDK: batched, retried with back-off. */
export function mistralEmbedder(options: MistralEmbedOptions): Embedder {
  const model = options.model ?? EMBEDDING_MODEL;
  const o = { ...DEFAULTS, ...options };
  const limits = { maxInputs: options.maxInputsPerRequest ?? MAX_INPUTS_PER_REQUEST, maxTokens: options.maxTokensPerRequest ?? MAX_TOKENS_PER_REQUEST };

  async function embed({ apiKey, texts, signal }: EmbedRequest): Promise<EmbedResult> {
    const client = new Mistral({ apiKey, serverURL: options.serverUrl });
    const inputs = texts.map((t) => (t.length > MAX_CHARS_PER_INPUT ? t.slice(0, MAX_CHARS_PER_INPUT) : t));
    const vectors: number[][] = [];
    let tokens = 0;
    // One batch at a time: a workspace's ingestion should not spend the key's rate limit at once.
    for (const [start, end] of planBatches(inputs, limits)) {
      const result = await batch(client, apiKey, inputs.slice(start, end), signal);
      vectors.push(...result.vectors);
      tokens += result.tokens;
    }
    return { vectors, tokens };
  }

  async function batch(client: Mistral, apiKey: string, inputs: string[], signal: AbortSignal | undefined): Promise<EmbedResult> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
      let failure: ProviderError & { retryAfterMs?: number };
      try {
        return await once(client, apiKey, inputs, signal);
      } catch (err) {
        failure = err instanceof ProviderError ? err : classify(err, apiKey);
      }
      // Our estimate of Mistral's tokens was too low for this text: halve the batch.
      if (failure.kind === 'rejected' && inputs.length > 1 && /split into more batches|too many (?:tokens|inputs)/i.test(failure.detail)) {
        const half = Math.ceil(inputs.length / 2);
        const [a, b] = [await batch(client, apiKey, inputs.slice(0, half), signal), await batch(client, apiKey, inputs.slice(half), signal)];
        return { vectors: [...a.vectors, ...b.vectors], tokens: a.tokens + b.tokens };
      }
      if (!RETRYABLE.has(failure.kind) || attempt >= o.maxAttempts) throw failure;
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > o.maxRetryAfterMs) throw failure;
      // Full jitter: instances rate limited together do not come back together.
      const backoff = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      try {
        await sleep(Math.max(backoff, failure.retryAfterMs ?? 0), undefined, signal ? { signal } : undefined);
      } catch {
        throw new ProviderError('aborted', 'cancelled by the caller');
      }
    }
  }

  async function once(client: Mistral, apiKey: string, inputs: string[], signal: AbortSignal | undefined): Promise<EmbedResult> {
    const timeout = AbortSignal.timeout(o.requestTimeoutMs);
    let response;
    try {
      response = await client.embeddings.create({ model, inputs }, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, retries: { strategy: 'none' } });
    } catch (err) {
      if (signal?.aborted) throw new ProviderError('aborted', 'cancelled by the caller');
      if (timeout.aborted) throw new ProviderError('timeout', `no answer within ${o.requestTimeoutMs} ms`);
      throw classify(err, apiKey);
    }
    const data = [...response.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const vectors = data.map((d) => d.embedding ?? []);
    if (vectors.length !== inputs.length || vectors.some((v) => v.length !== EMBEDDING_DIMENSIONS || !v.every(Number.isFinite))) {
      throw new ProviderError('unavailable', `the embeddings answer has ${vectors.length} vectors of ${vectors[0]?.length ?? 0} numbers for ${inputs.length} texts; expected ${EMBEDDING_DIMENSIONS} each`);
    }
    return { vectors, tokens: response.usage.promptTokens ?? 0 };
  }

  return { model, embed };
}

function classify(err: unknown, apiKey: string): ProviderError & { retryAfterMs?: number } {
  if (err instanceof MistralError) {
    const status = err.statusCode;
    const detail = `HTTP ${status}: ${clip(err.body, apiKey)}`;
    if (status === 401 || status === 403) return new ProviderError('auth', detail, status);
    if (status === 429) return Object.assign(new ProviderError('rate_limited', detail, status), { retryAfterMs: retryAfter(err.headers.get('retry-after')) });
    if (status === 408) return new ProviderError('timeout', detail, status);
    if (status >= 400 && status < 500) return new ProviderError('rejected', detail, status);
    return Object.assign(new ProviderError('unavailable', detail, status), { retryAfterMs: retryAfter(err.headers.get('retry-after')) });
  }
  const e = err as { name?: unknown; message?: unknown; cause?: unknown } | null;
  const cause = (e?.cause as { message?: unknown } | undefined)?.message;
  const text = [e?.name, e?.message, cause].filter((v) => typeof v === 'string' && v.length > 0).join(': ');
  return new ProviderError('unavailable', clip(text || String(err), apiKey));
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Short, one line, and without the key even if the provider echoed it back. */
function clip(text: string, apiKey: string): string {
  const oneLine = text.split(apiKey).join('[redacted]').replace(/\s+/g, ' ').trim();
  return oneLine.length > DETAIL_CHARS ? `${oneLine.slice(0, DETAIL_CHARS)}…` : oneLine;
}
