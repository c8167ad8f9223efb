// How many texts go into one embeddings request. Mistral refuses more than 256 inputs or
// about 16,000 tokens in one request ("split into more batches"), and 8,192 tokens in one
// input. Tokens are estimated from characters without Mistral's tokenizer: 3 characters a
// token undercounts English prose (about 4) on purpose, so code and other scripts, which
// take more tokens per character, still fit.

export const CHARS_PER_TOKEN_ESTIMATE = 3;
export const MAX_INPUTS_PER_REQUEST = 128;
export const MAX_TOKENS_PER_REQUEST = 12_000;
/** A longer input is cut to this (chunks are far smaller; this only guards the API's limit). */
export const MAX_CHARS_PER_INPUT = 8_000 * CHARS_PER_TOKEN_ESTIMATE;

export interface BatchLimits {
  maxInputs: number;
  maxTokens: number;
}

export const estimateEmbedTokens = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN_ESTIMATE);

/**
 * Consecutive index ranges [start, end) of texts, each within both limits; a text over
 * the token budget on its own gets a batch of its own.
 */
export function planBatches(texts: readonly string[], limits: BatchLimits = { maxInputs: MAX_INPUTS_PER_REQUEST, maxTokens: MAX_TOKENS_PER_REQUEST }): [number, number][] {
  const batches: [number, number][] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = estimateEmbedTokens(texts[i]!);
    if (i > start && (i - start >= limits.maxInputs || tokens + t > limits.maxTokens)) {
      batches.push([start, i]);
      start = i;
      tokens = 0;
    }
    tokens += t;
  }
  if (start < texts.length) batches.push([start, texts.length]);
  return batches;
}
