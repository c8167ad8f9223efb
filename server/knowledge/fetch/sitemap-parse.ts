// Sitemap documents (sitemaps.org): a <urlset> of pages, a <sitemapindex> of further sitemaps, or
// a plain-text list of URLs, one a line. Gzipped files (.xml.gz) are unpacked within the byte limit.
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';

export type ParsedSitemap =
  | { kind: 'urlset'; entries: { loc: string; lastmod?: string }[] }
  | { kind: 'index'; entries: { loc: string }[] }
  | { kind: 'invalid'; why: string };

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

/** Throws RangeError when the unpacked sitemap would exceed maxBytes. */
export function parseSitemap(body: Buffer, contentType: string, maxBytes: number): ParsedSitemap {
  const bytes = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body, { maxOutputLength: maxBytes }) : body;
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (!text.trimStart().startsWith('<')) {
    if (contentType !== 'text/plain') return { kind: 'invalid', why: 'it is neither XML nor a plain list of addresses' };
    const entries = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^https?:\/\//i.test(l)).map((loc) => ({ loc }));
    return { kind: 'urlset', entries };
  }
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (err) {
    return { kind: 'invalid', why: `its XML is malformed (${(err as Error).message.slice(0, 100)})` };
  }
  const urlset = doc.urlset as { url?: unknown[] } | '' | undefined;
  if (urlset !== undefined) {
    return { kind: 'urlset', entries: entriesOf(typeof urlset === 'object' ? urlset.url : undefined).map(({ loc, lastmod }) => (lastmod ? { loc, lastmod } : { loc })) };
  }
  const index = doc.sitemapindex as { sitemap?: unknown[] } | '' | undefined;
  if (index !== undefined) {
    return { kind: 'index', entries: entriesOf(typeof index === 'object' ? index.sitemap : undefined).map(({ loc }) => ({ loc })) };
  }
  return { kind: 'invalid', why: 'it has no <urlset> or <sitemapindex>' };
}

function entriesOf(items: unknown[] | undefined): { loc: string; lastmod?: string }[] {
  const out: { loc: string; lastmod?: string }[] = [];
  for (const item of items ?? []) {
    if (!item || typeof item !== 'object') continue;
    const { loc, lastmod } = item as { loc?: unknown; lastmod?: unknown };
    if (typeof loc !== 'string' || !loc) continue;
    out.push(typeof lastmod === 'string' && lastmod ? { loc, lastmod } : { loc });
  }
  return out;
}
