// A PDF's text layer with pdf.js (the legacy build, which runs on Node 20; its worker code runs
// in this thread, so there is no worker file to find). Pages are read one at a time and released.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';
import { ExtractError, MAX_MARKDOWN_CHARS, MAX_PDF_PAGES, throwIfAborted } from './extract-types.js';
import type { PdfLine, PdfPage } from './pdf-layout.js';

// Character maps (CJK fonts) and standard font metrics, read from pdf.js's own package on disk.
const PDFJS_DIR = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const CMAP_DIR = `${join(PDFJS_DIR, 'cmaps')}/`;
const STANDARD_FONTS_DIR = `${join(PDFJS_DIR, 'standard_fonts')}/`;

export interface PdfText {
  /** The pages read (at most MAX_PDF_PAGES). */
  pages: PdfPage[];
  /** Pages in the file. */
  pageCount: number;
  /** Characters other than white space in the text layer: scanned pages have (almost) none. */
  visibleChars: number;
  /** Reading stopped at the page or character cap. */
  truncated: boolean;
  /** The Title in the document's properties, often missing or a tool's default ("Microsoft Word - x.docx"). */
  title: string | undefined;
}

export async function readPdfText(bytes: Uint8Array, signal?: AbortSignal): Promise<PdfText> {
  let pdf: PDFDocumentProxy;
  try {
    // pdf.js takes ownership of (and detaches) the buffer it is given: hand it a copy.
    pdf = await getDocument({
      data: new Uint8Array(bytes),
      isEvalSupported: false,
      cMapUrl: CMAP_DIR,
      cMapPacked: true,
      standardFontDataUrl: STANDARD_FONTS_DIR,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: false,
      verbosity: 0,
    }).promise;
  } catch (err) {
    const name = (err as { name?: string } | null)?.name;
    if (name === 'PasswordException') throw new ExtractError('encrypted', 'This PDF is protected by a password: upload a copy without one.');
    throw new ExtractError('corrupt_file', 'This PDF could not be opened; it may be damaged.');
  }
  try {
    const pageCount = pdf.numPages;
    const info = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' ? info.Title.trim() || undefined : undefined;
    const pages: PdfPage[] = [];
    let chars = 0;
    let visibleChars = 0;
    let truncated = pageCount > MAX_PDF_PAGES;
    for (let number = 1; number <= Math.min(pageCount, MAX_PDF_PAGES); number++) {
      throwIfAborted(signal);
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      page.cleanup();
      const lines = toLines(content.items.filter((item): item is TextItem => 'str' in item));
      // view is the page box [x0, y0, x1, y1]; text y is measured from its bottom edge.
      const [, y0 = 0, , y1 = 0] = page.view;
      pages.push({ lines: lines.map((l) => ({ ...l, y: l.y - y0 })), height: y1 - y0 });
      for (const line of lines) {
        chars += line.text.length;
        visibleChars += line.text.replace(/\s+/g, '').length;
      }
      if (chars > MAX_MARKDOWN_CHARS) {
        truncated = true;
        break;
      }
    }
    return { pages, pageCount, visibleChars, truncated, title };
  } catch (err) {
    if (err instanceof ExtractError) throw err;
    throw new ExtractError('corrupt_file', 'This PDF could not be read to the end; it may be damaged.');
  } finally {
    await pdf.destroy();
  }
}

/** Text items in content order, joined into lines: a new line where the baseline moves or pdf.js saw one end. */
export function toLines(items: TextItem[]): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: (PdfLine & { endX: number }) | undefined;
  let ended = false;
  for (const item of items) {
    const [, , c = 0, d = 0, x = 0, y = 0] = item.transform as number[];
    const size = Math.hypot(c, d) || item.height;
    if (item.str.length > 0) {
      const sameLine = current && !ended && Math.abs(y - current.y) <= Math.max(size, current.size) * 0.5;
      if (current && sameLine) {
        const gap = x - current.endX;
        if (gap > size * 0.15 && !current.text.endsWith(' ') && !item.str.startsWith(' ')) current.text += ' ';
        current.text += item.str;
        current.size = Math.max(current.size, item.str.trim() ? size : 0);
        current.endX = x + item.width;
      } else {
        current = { text: item.str, size, y, endX: x + item.width };
        lines.push(current);
      }
      ended = false;
    }
    if (item.hasEOL) ended = true;
  }
  return lines.map(({ text, size, y }) => ({ text, size, y }));
}
