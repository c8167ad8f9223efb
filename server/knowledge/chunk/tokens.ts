// Chunk sizes. Tokens are estimated as characters / 4 (rounded up): close to Mistral's tokenizer
// for English and European prose, the same for every language and script, and needs no
// tokenizer. Code and CJK text count fewer characters per token, so their chunks come out larger
// in real tokens; the limits leave room for that (mistral-embed takes 8,192 tokens).

export const CHARS_PER_TOKEN = 4;
/** The size a chunk is filled up to. */
export const TARGET_TOKENS = 350;
/** No chunk is larger, overlap included (unless a single line is: it is cut). */
export const MAX_TOKENS = 500;
/** Text repeated from the end of one chunk at the start of the next, within one section. */
export const OVERLAP_TOKENS = 50;
/** Sections smaller than this are merged with a neighbour rather than stand alone. */
export const MIN_TOKENS = 80;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export const chars = (tokens: number): number => tokens * CHARS_PER_TOKEN;
