// What chat (and the admin test console) call: the question embedded if it can be, within
// a short time, then hybrid retrieval; full text alone when the embedding fails.
import type { Db } from '../db/db.js';
import { ProviderError, type ProviderFailure } from '../providers/provider.js';
import type { Embedder } from './embed/mistral-embed.js';
import { retrieve, type RetrievalResult, type RetrieveOptions } from './retrieval.js';
import { vectorSupport } from './vector-schema.js';

/** A question waits at most this long for its embedding before full text answers alone. */
export const QUERY_EMBED_TIMEOUT_MS = 5_000;

export interface SearchInput {
  workspaceId: string;
  question: string;
  /** The workspace's (or the operator's) Mistral key; without one, full text only. */
  apiKey?: string;
  signal?: AbortSignal;
  embedTimeoutMs?: number;
}

export interface SearchResult extends RetrievalResult {
  /** Why the question was not embedded, when an embedding was tried and failed. */
  embedFailure?: ProviderFailure;
  /** Tokens the provider counted for the question's embedding. */
  tokens: number;
}

export async function searchKnowledge(deps: { db: Db; embedder?: Embedder }, input: SearchInput, options: RetrieveOptions = {}): Promise<SearchResult> {
  let embedding: number[] | undefined;
  let embedFailure: ProviderFailure | undefined;
  let tokens = 0;
  if (deps.embedder && input.apiKey && (await vectorSupport(deps.db)).available) {
    const timeout = AbortSignal.timeout(input.embedTimeoutMs ?? QUERY_EMBED_TIMEOUT_MS);
    try {
      const result = await deps.embedder.embed({ apiKey: input.apiKey, texts: [input.question], signal: input.signal ? AbortSignal.any([input.signal, timeout]) : timeout });
      embedding = result.vectors[0];
      tokens = result.tokens;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (input.signal?.aborted) throw err;
      embedFailure = timeout.aborted ? 'timeout' : err.kind;
    }
  }
  const result = await retrieve(deps.db, input.workspaceId, { text: input.question, embedding }, options);
  return { ...result, tokens, ...(embedFailure && { embedFailure }) };
}
