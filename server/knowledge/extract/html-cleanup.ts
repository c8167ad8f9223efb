// Takes the page's chrome away (navigation, banners, footers, scripts, forms) so only what the
// page is about reaches the Markdown, and picks the element that holds it.

/** Never content: code, embedded objects, form controls, navigation and hidden things. */
const ALWAYS_DROP = [
  'script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'svg', 'canvas', 'video', 'audio',
  'button', 'input', 'select', 'textarea', 'label', 'dialog', 'nav', 'aside', 'footer',
  '[role="navigation"]', '[role="banner"]', '[role="contentinfo"]', '[role="complementary"]', '[role="search"]',
  '[role="dialog"]', '[role="alertdialog"]', '[hidden]', '[aria-hidden="true"]',
  '.sr-only', '.visually-hidden', '.screen-reader-text',
].join(', ');

/** id or class words of page chrome that sites build from plain divs. */
const CHROME_WORDS = new Set([
  'nav', 'navbar', 'navigation', 'menu', 'menubar', 'sidebar', 'breadcrumb', 'breadcrumbs', 'footer', 'header',
  'masthead', 'toc', 'skip', 'share', 'sharing', 'social', 'related', 'comments', 'newsletter', 'subscribe',
  'advert', 'advertisement', 'ads', 'popup', 'modal', 'pagination', 'pager', 'cookie', 'cookies', 'consent',
  'gdpr', 'onetrust', 'cookiebot', 'banner', 'feedback',
]);

/** The element holding the page's content, with the chrome removed from the whole document. */
export function contentRoot(document: Document): Element {
  const body = document.body ?? document.documentElement;
  for (const el of [...body.querySelectorAll(ALWAYS_DROP)]) if (!guardsContent(el, body, true)) el.remove();
  // A <header> inside the article carries its title; the page's own header is the site's banner.
  for (const el of [...body.querySelectorAll('header')]) if (!el.closest('article, main, [role="main"]')) el.remove();
  // A <form> may wrap a whole page (ASP.NET does): only forms without headings go.
  for (const el of [...body.querySelectorAll('form')]) if (!el.querySelector('h1, h2, h3')) el.remove();
  const bodyText = textLength(body);
  for (const el of [...body.querySelectorAll('[id], [class]')]) {
    if (el.isConnected && isChrome(el) && !guardsContent(el, body, false, bodyText)) el.remove();
  }
  for (const el of [...body.querySelectorAll('[style]')]) {
    if (/display\s*:\s*none|visibility\s*:\s*hidden/i.test(el.getAttribute('style') ?? '')) el.remove();
  }
  return landmark(body) ?? body;
}

/** <main>, else the one <article>: what the page itself says is its content. */
export function landmark(body: Element): Element | undefined {
  const main = body.querySelector('main, [role="main"]');
  if (main) return main;
  const articles = body.querySelectorAll('article');
  return articles.length === 1 ? articles[0] : undefined;
}

function isChrome(el: Element): boolean {
  const names = `${el.getAttribute('id') ?? ''} ${el.getAttribute('class') ?? ''}`.toLowerCase();
  // "site-footer" and "cookie_banner" count; "header-anchor" too (the ¶ link beside a heading).
  return names.split(/[\s_-]+/).some((word) => CHROME_WORDS.has(word));
}

/**
 * Whether removing el would take the content with it: it is or holds the page's main element, or
 * (for guesses from class names) a heading or most of the page's text.
 */
function guardsContent(el: Element, body: Element, byTag: boolean, bodyText = 0): boolean {
  if (el.matches('main, [role="main"], article') || el.querySelector('main, [role="main"], article')) return true;
  if (byTag) return false;
  if (el.querySelector('h1, h2')) return true;
  return bodyText > 0 && textLength(el) > bodyText / 2;
}

function textLength(el: Element): number {
  return (el.textContent ?? '').replace(/\s+/g, '').length;
}

/** Share of the text that sits in links: high for link lists and portals, low for articles. */
export function linkDensity(el: Element): number {
  const total = textLength(el);
  if (total === 0) return 0;
  let inLinks = 0;
  for (const a of el.querySelectorAll('a')) inLinks += textLength(a);
  return inLinks / total;
}
