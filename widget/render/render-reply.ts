import { markdownToHtml } from './markdown.js';
import { insertSafe, sanitize } from './sanitize.js';

/** Shows a reply's markdown (and math) in the container, sanitised, without inline style markup. */
export function renderReply(container: Element, source: string): void {
  insertSafe(container, sanitize(markdownToHtml(source)));
}
