// HTML to Markdown with turndown: ATX headings, fenced code with its language, GitHub tables,
// links made absolute (or reduced to their text when they cannot be followed), no images.
import TurndownService from 'turndown';

type Node = TurndownService.Node;

/** A configured converter; `baseUrl` resolves relative links (none: they become plain text). */
export function markdownConverter(baseUrl: string | undefined): (root: Element) => string {
  const service = new TurndownService({
    headingStyle: 'atx',
    hr: '---',
    bulletListMarker: '-',
    codeBlockStyle: 'fenced',
    emDelimiter: '_',
    strongDelimiter: '**',
  });
  // Pictures cost tokens and answer nothing; their alt text is mostly "logo" or a file name.
  // (A rule, not service.remove: turndown's own image rule would win over a removal.)
  service.addRule('no-images', { filter: ['img', 'picture', 'head', 'meta', 'link'], replacement: () => '' });

  service.addRule('link', {
    filter: (node) => node.nodeName === 'A',
    replacement: (content, node) => {
      const text = content.trim();
      const href = absoluteHref((node as Element).getAttribute('href'), baseUrl);
      if (!text) return '';
      return href ? `[${text}](${href.replace(/[()]/g, (c) => encodeURIComponent(c))})` : content;
    },
  });

  service.addRule('pre', {
    filter: (node) => node.nodeName === 'PRE',
    replacement: (_content, node) => {
      const el = node as Element;
      const code = el.querySelector('code');
      const language = languageOf(code) ?? languageOf(el) ?? '';
      const text = (el.textContent ?? '').replace(/\n+$/, '');
      // A fence longer than any run of backticks inside, so the code cannot close it.
      const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = '`'.repeat(longest + 1);
      return `\n\n${fence}${language}\n${text}\n${fence}\n\n`;
    },
  });

  service.addRule('table', {
    filter: (node) => node.nodeName === 'TABLE',
    replacement: (content, node) => {
      const table = tableMarkdown(node as Element, (html) => service.turndown(html));
      // Layout tables (one column, nested tables) read better as the blocks they hold.
      return table ? `\n\n${table}\n\n` : `\n\n${content}\n\n`;
    },
  });

  return (root) => service.turndown(root as unknown as Node);
}

function languageOf(el: Element | null): string | undefined {
  const names = el?.getAttribute('class') ?? '';
  return /(?:^|\s)(?:language|lang|highlight-source)-([\w+#.-]+)/.exec(names)?.[1];
}

function absoluteHref(href: string | null, baseUrl: string | undefined): string | undefined {
  const raw = href?.trim();
  if (!raw || raw.startsWith('#')) return undefined;
  let url: URL;
  try {
    url = baseUrl ? new URL(raw, baseUrl) : new URL(raw);
  } catch {
    return undefined;
  }
  return ['http:', 'https:', 'mailto:', 'tel:'].includes(url.protocol) ? url.href : undefined;
}

/** A GitHub table, or undefined when the table is for layout. */
function tableMarkdown(table: Element, cellToMarkdown: (html: string) => string): string | undefined {
  if (table.querySelector('table')) return undefined;
  const rows = [...table.querySelectorAll('tr')].map((tr) =>
    [...tr.children].filter((c) => c.nodeName === 'TH' || c.nodeName === 'TD').map((cell) => cellText(cell, cellToMarkdown)),
  ).filter((cells) => cells.length > 0);
  const columns = Math.max(0, ...rows.map((r) => r.length));
  if (rows.length === 0 || columns < 2) return undefined;
  const line = (cells: string[]) => `| ${[...cells, ...Array<string>(columns - cells.length).fill('')].join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head!), line(Array<string>(columns).fill('---')), ...body.map(line)].join('\n');
}

function cellText(cell: Element, cellToMarkdown: (html: string) => string): string {
  const markdown = cellToMarkdown(cell.innerHTML).replace(/\s*\n+\s*/g, ' ').trim();
  return markdown.replace(/\|/g, '\\|');
}
