// A PDF's text lines to Markdown. PDFs carry no structure, only positioned text: headings are
// guessed from type larger than the body text, paragraphs from the space between lines.

/** One line of text as it lies on the page. */
export interface PdfLine {
  text: string;
  /** Font size in points. */
  size: number;
  /** Baseline height from the bottom of the page, in points (PDF coordinates grow upwards). */
  y: number;
}

/** Type at least this much larger than the body text is a heading. */
const HEADING_RATIO = 1.2;
/** Longer lines are text set large, not headings. */
const HEADING_MAX_CHARS = 150;
/** More space than this (in line heights) between two lines starts a new paragraph. */
const PARAGRAPH_GAP = 1.8;
const BULLET = /^[•◦▪▫●○■□‣⁃–-]\s*/;

/** The page separator the chunker reads; N counts from 1. */
export const pageMarker = (n: number): string => `<!-- page ${n} -->`;

/** A page's lines in content order, and the page's height in points. */
export interface PdfPage {
  lines: PdfLine[];
  height: number;
}

/** Markdown for pages: `<!-- page N -->` before each page, headings by size, running headers and footers left out. */
export function layoutPages(pages: PdfPage[]): string {
  const repeated = runningLines(pages);
  const kept = pages.map((page) => page.lines.filter((line) => !(inMargin(line, page) && repeated.has(shape(line.text)))));
  const levels = headingLevels(kept.flat());
  return kept
    .map((lines, index) => [pageMarker(index + 1), ...blocks(lines, levels)].join('\n\n'))
    .join('\n\n');
}

/** Heading size (rounded) to level 1–3, largest first; sizes beyond the third share level 3. */
function headingLevels(lines: PdfLine[]): Map<number, number> {
  const charsBySize = new Map<number, number>();
  for (const line of lines) charsBySize.set(round(line.size), (charsBySize.get(round(line.size)) ?? 0) + line.text.length);
  const total = [...charsBySize.values()].reduce((a, b) => a + b, 0);
  const body = [...charsBySize.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 0;
  const sizes = [...charsBySize.entries()]
    // Large type that makes up much of the text is the body of a big-print document, not headings.
    .filter(([size, chars]) => size >= body * HEADING_RATIO && chars < total * 0.3)
    .map(([size]) => size)
    .sort((a, b) => b - a);
  return new Map(sizes.map((size, i) => [size, Math.min(i + 1, 3)]));
}

function blocks(lines: PdfLine[], levels: Map<number, number>): string[] {
  const out: string[] = [];
  let paragraph: string[] = [];
  let heading: { level: number; text: string } | undefined;
  let previous: PdfLine | undefined;
  const flush = () => {
    if (heading) out.push(`${'#'.repeat(heading.level)} ${heading.text}`);
    if (paragraph.length > 0) out.push(paragraph.join('\n'));
    heading = undefined;
    paragraph = [];
  };
  for (const line of lines) {
    const text = line.text.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const level = text.length <= HEADING_MAX_CHARS ? levels.get(round(line.size)) : undefined;
    const gap = previous ? previous.y - line.y : 0;
    const newBlock = !previous || gap > previous.size * PARAGRAPH_GAP || gap < 0 || Math.abs(line.size - previous.size) > previous.size * 0.1;
    if (level !== undefined) {
      // A heading set on two lines stays one heading.
      if (heading && heading.level === level && !newBlock) heading.text += ` ${text}`;
      else {
        flush();
        heading = { level, text };
      }
    } else if (BULLET.test(text) && text.length > 1) {
      if (heading || newBlock) flush();
      paragraph.push(`- ${text.replace(BULLET, '')}`);
    } else {
      if (heading || newBlock) flush();
      const last = paragraph.at(-1);
      if (last === undefined) paragraph.push(text);
      // Words broken at the end of a line are joined again ("refund-" + "able").
      else if (/\p{L}-$/u.test(last) && /^\p{Ll}/u.test(text)) paragraph[paragraph.length - 1] = last.slice(0, -1) + text;
      else paragraph[paragraph.length - 1] = `${last} ${text}`;
    }
    previous = line;
  }
  flush();
  return out;
}

/** Lines in the top or bottom margin that recur on most pages (digits ignored): running heads, page numbers. */
function runningLines(pages: PdfPage[]): Set<string> {
  const counts = new Map<string, number>();
  for (const page of pages) {
    const shapes = new Set(page.lines.filter((line) => inMargin(line, page)).map((line) => shape(line.text)));
    for (const key of shapes) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const needed = Math.max(3, Math.ceil(pages.length * 0.6));
  return new Set([...counts].filter(([, n]) => n >= needed).map(([key]) => key));
}

/** The top and bottom tenth of the page, where running heads and page numbers sit. */
function inMargin(line: PdfLine, page: PdfPage): boolean {
  return line.y < page.height * 0.1 || line.y > page.height * 0.9;
}

function shape(text: string): string {
  return text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().toLowerCase();
}

function round(size: number): number {
  return Math.round(size * 2) / 2;
}
