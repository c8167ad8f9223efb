// What a reply cites: `sources: [{id, title, url}]` in the stream's `done` event and in the
// message history (stored as messages.sources, migration 0014).
import type { RetrievedPassage } from '../retrieval.js';

/**
 * One cited page or text. `id` is the id of the chunk (passage) the reply cited first from
 * it: it names exactly the text the answer rests on, and stays the same while that text is
 * unchanged (a re-sync keeps chunks whose text did not change). The source and document
 * ids are one join away (knowledge_chunks). `url` is null for pasted text and uploads
 * without an address; a widget shows those as plain labels.
 */
export interface MessageSource {
  id: string;
  title: string;
  url: string | null;
}

/** Sources a reply lists at most. */
export const MAX_SOURCES = 5;
const MAX_TITLE_CHARS = 200;

/** The address a visitor may follow: http(s) only, normalised; anything else is no link. */
export function linkUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The label of a passage: its page title, else its headings, else a word. */
export function passageTitle(passage: Pick<RetrievedPassage, 'title' | 'headingPath'>): string {
  const title = passage.title.trim() || passage.headingPath.trim() || 'Source';
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title;
}

/**
 * The passages as sources, in the given order: one per address (one per source for
 * passages without one), at most MAX_SOURCES.
 */
export function toMessageSources(passages: readonly Pick<RetrievedPassage, 'chunkId' | 'sourceId' | 'title' | 'headingPath' | 'url'>[]): MessageSource[] {
  const seen = new Set<string>();
  const sources: MessageSource[] = [];
  for (const p of passages) {
    const url = linkUrl(p.url);
    const key = url ? `url:${url}` : `source:${p.sourceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push({ id: p.chunkId, title: passageTitle(p), url });
    if (sources.length === MAX_SOURCES) break;
  }
  return sources;
}

/** Stored sources as read back from the database: anything malformed is dropped, never shown. */
export function readMessageSources(value: unknown): MessageSource[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((s: unknown) => {
    const o = s as Partial<Record<keyof MessageSource, unknown>> | null;
    if (!o || typeof o.id !== 'string' || typeof o.title !== 'string') return [];
    return [{ id: o.id, title: o.title, url: typeof o.url === 'string' ? linkUrl(o.url) : null }];
  });
}
