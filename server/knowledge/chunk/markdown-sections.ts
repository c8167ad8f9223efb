// Markdown to sections (a heading and what follows it up to the next heading) made of blocks:
// paragraphs and lists, fenced code, tables. Just enough of CommonMark to keep code blocks and
// tables whole and to know which headings each block sits under.

export interface Heading {
  level: number;
  text: string;
}

export interface Block {
  kind: 'text' | 'code' | 'table';
  text: string;
  /** The PDF page the block starts on (from `<!-- page N -->` markers), when the document has pages. */
  page: number | undefined;
}

export interface Section {
  /** The headings above this section, outermost first, the section's own last. */
  headings: Heading[];
  blocks: Block[];
}

const PAGE_MARKER = /^<!-- page (\d+) -->$/;
const FENCE = /^(\s*)(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;

export function parseSections(markdown: string): Section[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const sections: Section[] = [{ headings: [], blocks: [] }];
  let stack: Heading[] = [];
  let paragraph: string[] = [];
  let page: number | undefined;
  let paragraphPage: number | undefined;
  const current = () => sections[sections.length - 1]!;
  const push = (kind: Block['kind'], text: string, at = page) => current().blocks.push({ kind, text, page: at });
  const endParagraph = () => {
    if (paragraph.length > 0) push('text', paragraph.join('\n'), paragraphPage);
    paragraph = [];
  };
  const openSection = (level: number, text: string) => {
    endParagraph();
    stack = [...stack.filter((h) => h.level < level), { level, text }];
    sections.push({ headings: stack, blocks: [] });
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = PAGE_MARKER.exec(line.trim());
    if (marker) {
      endParagraph();
      page = Number(marker[1]);
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      endParagraph();
      const [, , mark] = fence;
      const close = new RegExp(`^\\s*${mark![0] === '`' ? '`' : '~'}{${mark!.length},}\\s*$`);
      const body = [line];
      // An unclosed fence runs to the end of the document, as CommonMark says.
      while (++i < lines.length) {
        body.push(lines[i]!);
        if (close.test(lines[i]!)) break;
      }
      push('code', body.join('\n'));
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      openSection(atx[1]!.length, plainHeading(atx[2] ?? ''));
      continue;
    }
    if (line.includes('|') && TABLE_SEPARATOR.test(lines[i + 1] ?? '') && paragraph.length === 0) {
      const rows = [line];
      while (i + 1 < lines.length && lines[i + 1]!.includes('|') && lines[i + 1]!.trim() !== '') rows.push(lines[++i]!);
      push('table', rows.join('\n'));
      continue;
    }
    // Setext headings: one line of text underlined with = (level 1) or - (level 2).
    if (paragraph.length === 1 && /^ {0,3}(=+|-+)\s*$/.test(line)) {
      const text = paragraph[0]!;
      paragraph = [];
      openSection(line.trim()[0] === '=' ? 1 : 2, plainHeading(text));
      continue;
    }
    if (line.trim() === '') {
      endParagraph();
      continue;
    }
    if (paragraph.length === 0) paragraphPage = page;
    paragraph.push(line);
  }
  endParagraph();
  return sections;
}

/** Heading text without its Markdown: links to their text, emphasis and code marks and escapes gone. */
function plainHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*`]+/g, '')
    // Underscores that mark emphasis go; those inside words (snake_case) stay.
    .replace(/(^|[^\w\\])_+(?=\S)|(?<=\S)_+(?=$|[^\w])/g, '$1')
    .replace(/\\(.)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
