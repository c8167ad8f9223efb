import { renderMarkdown } from './markdown.js';
import { insertSafe, sanitize } from './sanitize.js';

/**
 * Shows a reply's markdown (and math) in the container, sanitised, without inline
 * style markup. True when a formula is shown as TeX until KaTeX arrives.
 */
export function renderReply(container: Element, source: string): boolean {
  const { html, texPending } = renderMarkdown(source);
  insertSafe(container, sanitize(html));
  return texPending;
}
