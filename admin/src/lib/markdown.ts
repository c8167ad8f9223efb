import MarkdownIt from 'markdown-it';

// html: false: tags in the source are shown as text; markdown-it's validateLink refuses javascript:, vbscript:, file: and most data: links.
const md = new MarkdownIt({ html: false, linkify: true, typographer: true });

/** The legal pages' markdown as escaped HTML, without its title (the page's h1), its headings starting at h2. */
export function renderMarkdown(source: string, title?: string): string {
  let tokens = md.parse(source, {});
  if (tokens[0]?.type === 'heading_open' && tokens[0].tag === 'h1' && tokens[1]?.content.trim() === title?.trim()) tokens = tokens.slice(3);
  const levels = tokens.filter((t) => t.type === 'heading_open').map((t) => Number(t.tag.slice(1)));
  const shift = Math.max(0, 2 - Math.min(6, ...levels));
  for (const token of tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close') token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + shift)}`;
  }
  return md.renderer.render(tokens, md.options, {});
}
