// The reply when the model cannot answer (provider down or rate limited, no key, the day's
// budget spent) and the workspace has knowledge: the best matching passages themselves, as
// Markdown with their links, after one sentence saying the assistant is unavailable.
import type { RetrievedPassage } from '../retrieval.js';
import { linkUrl, passageTitle, toMessageSources, type MessageSource } from './message-sources.js';

/** Why the model was not asked, or did not answer. */
export type FallbackReason = 'provider_failed' | 'no_key' | 'budget_spent';

/** Passages quoted at most. */
export const FALLBACK_PASSAGES = 3;
/** Characters quoted of each passage, cut at a word. */
export const FALLBACK_PASSAGE_CHARS = 600;
/** messages.model of a fallback reply: no model wrote it. */
export const FALLBACK_MODEL = 'fallback';

const HEADLINE: Record<FallbackReason, string> = {
  provider_failed: 'The assistant is unavailable right now.',
  no_key: 'The assistant is unavailable right now.',
  budget_spent: 'The assistant is unavailable right now: it has reached its limit for today.',
};

type FallbackPassage = Pick<RetrievedPassage, 'chunkId' | 'sourceId' | 'title' | 'headingPath' | 'url' | 'content'>;

export interface FallbackReply {
  content: string;
  sources: MessageSource[];
}

/** The reply: the headline, then up to FALLBACK_PASSAGES passages, each under its linked title. */
export function composeFallback(passages: readonly FallbackPassage[], reason: FallbackReason): FallbackReply {
  const headline = HEADLINE[reason];
  const quoted = passages.slice(0, FALLBACK_PASSAGES);
  if (quoted.length === 0) {
    return { content: `${headline} Nothing in our help content matches your question; please try again later.`, sources: [] };
  }
  const parts = [`${headline} Meanwhile, this from our help content may answer your question:`];
  for (const p of quoted) parts.push(`${heading(p)}\n\n${blockquote(excerpt(p.content))}`);
  return { content: parts.join('\n\n'), sources: toMessageSources(quoted) };
}

/** **[Title › Section](url)**, or the bold label alone for a passage without an address. */
function heading(p: FallbackPassage): string {
  const title = passageTitle(p);
  const section = p.headingPath.trim() && p.headingPath.trim() !== title ? ` › ${p.headingPath.trim()}` : '';
  const label = escapeMarkdown(`${title}${section}`.replace(/\s+/g, ' '));
  const url = linkUrl(p.url);
  // A URL serialised by new URL() has no space, < or >: safe inside <…>, parentheses included.
  return url ? `**[${label}](<${url}>)**` : `**${label}**`;
}

/** The passage's first FALLBACK_PASSAGE_CHARS characters, cut at a word, with … when cut. */
export function excerpt(content: string, max = FALLBACK_PASSAGE_CHARS): string {
  const text = content.trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.search(/\s\S*$/);
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function blockquote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() ? `> ${line}` : '>'))
    .join('\n');
}

/** Characters Markdown would read as syntax in a link text or bold label. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`);
}
