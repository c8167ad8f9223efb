import MarkdownIt from 'markdown-it';
import { mathPlugin, type MathEnv } from './math.js';

/**
 * Model output to HTML: CommonMark plus tables, strikethrough, autolinks and
 * math. Raw HTML is off, so a tag in the text is shown as text; images are off,
 * so a reply cannot make the visitor's browser fetch from anywhere. The result
 * still goes through sanitize.ts before it reaches the page.
 */
const md = new MarkdownIt('default', { html: false, linkify: true, breaks: true, typographer: false });
md.disable('image');
md.use(mathPlugin);

export function markdownToHtml(source: string): string {
  return renderMarkdown(source).html;
}

/** The HTML, and whether a formula in it is still plain TeX, waiting for KaTeX. */
export function renderMarkdown(source: string): { html: string; texPending: boolean } {
  const env: MathEnv = {};
  const html = md.render(source, env);
  return { html, texPending: env.texPending === true };
}
