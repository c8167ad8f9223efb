// Which passages a grounded reply used: those it cites by [n] (grounded-prompt.ts asks for
// the markers), in the order first cited; without any marker, the best passages.
import type { RetrievedPassage } from '../retrieval.js';
import { toMessageSources, type MessageSource } from './message-sources.js';

/** Sources listed for a reply that used the passages without citing any: the best ones. */
export const UNCITED_SOURCES = 2;

type CitablePassage = Pick<RetrievedPassage, 'chunkId' | 'sourceId' | 'title' | 'headingPath' | 'url'>;

// [1], [2][3], [1, 2] and [1,2,4]; not [1](…), a Markdown link whose text is a number.
const MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?!\()/g;

/** The passage numbers (1-based) cited in the text, first citation first, each once, only those that exist. */
export function citedNumbers(text: string, passageCount: number): number[] {
  const seen = new Set<number>();
  for (const match of text.matchAll(MARKER)) {
    for (const part of match[1]!.split(',')) {
      const n = Number(part.trim());
      if (n >= 1 && n <= passageCount) seen.add(n);
    }
  }
  return [...seen];
}

const normalise = (text: string) => text.toLowerCase().replace(/[\s"'“”‘’«».!?]+/g, ' ').trim();

/** Whether the reply is the workspace's "I don't know" sentence, give or take quotes, case and punctuation. */
export function isUnknownAnswer(text: string, unknownAnswer: string): boolean {
  const sentence = normalise(unknownAnswer);
  return sentence.length > 0 && normalise(text).includes(sentence);
}

/**
 * The sources of a grounded reply: the passages it cites, deduplicated by address; none
 * when it said the workspace's unknown-answer sentence without citing; the best
 * UNCITED_SOURCES passages when it cited nothing.
 */
export function citedSources(text: string, passages: readonly CitablePassage[], unknownAnswer: string): MessageSource[] {
  if (passages.length === 0 || !text.trim()) return [];
  const numbers = citedNumbers(text, passages.length);
  if (numbers.length > 0) return toMessageSources(numbers.map((n) => passages[n - 1]!));
  if (isUnknownAnswer(text, unknownAnswer)) return [];
  return toMessageSources(passages.slice(0, UNCITED_SOURCES));
}
