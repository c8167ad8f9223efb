// An HTML page (or a DOCX converted to HTML) to Markdown and a title.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { contentRoot, landmark, linkDensity } from './html-cleanup.js';
import { markdownConverter } from './html-markdown.js';
import { normaliseText, type MarkdownText } from './text.js';

/** Above this share of text in links, a page without <main>/<article> is still mostly menus: Readability looks for the article. */
const LINK_HEAVY = 0.3;

export function htmlToMarkdown(html: string, url?: string): MarkdownText {
  const { document } = parseHTML(/<body[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`);
  const baseUrl = resolveBase(document.querySelector('base[href]')?.getAttribute('href'), url);
  const metaTitle = document.querySelector('meta[property="og:title"]')?.getAttribute('content')?.trim();
  const docTitle = document.querySelector('title')?.textContent?.replace(/\s+/g, ' ').trim();

  let root = contentRoot(document);
  const h1 = root.querySelector('h1')?.textContent?.replace(/\s+/g, ' ').trim();
  if (!landmark(document.body ?? document.documentElement) && linkDensity(root) > LINK_HEAVY) root = readable(document, h1) ?? root;

  const markdown = normaliseText(markdownConverter(baseUrl)(root));
  return { title: h1 || metaTitle || docTitle || undefined, markdown };
}

/**
 * Readability's idea of the article, on the page already stripped of its chrome. It drops the
 * <h1> (it takes it for the title), so the heading is put back.
 */
function readable(document: Document, h1: string | undefined): Element | undefined {
  const article = new Readability(document.cloneNode(true) as Document, { keepClasses: true }).parse();
  if (!article?.content || (article.textContent ?? '').trim().length < 200) return undefined;
  const { document: result } = parseHTML(`<!doctype html><html><head></head><body>${article.content}</body></html>`);
  if (h1 && !result.querySelector('h1')) {
    const heading = result.createElement('h1');
    heading.textContent = h1;
    result.body.prepend(heading);
  }
  return result.body;
}

function resolveBase(href: string | null | undefined, url: string | undefined): string | undefined {
  try {
    if (href) return new URL(href, url).href;
  } catch {
    // A broken <base> is ignored, as browsers do.
  }
  return url;
}
