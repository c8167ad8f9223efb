// The one entry point: any accepted document to Markdown and a title. CPU work (pdf.js, DOM
// parsing) that belongs in background jobs, never on a request's path.
import { detectType } from './detect-type.js';
import { docxToMarkdown } from './docx.js';
import {
  ExtractError,
  MAX_MARKDOWN_CHARS,
  MAX_PDF_PAGES,
  MAX_SOURCE_BYTES,
  throwIfAborted,
  type DocumentFormat,
  type ExtractInput,
  type ExtractedDocument,
} from './extract-types.js';
import { htmlToMarkdown } from './html.js';
import { layoutPages } from './pdf-layout.js';
import { readPdfText } from './pdf.js';
import { ocrMarkdown } from './scanned.js';
import { decodeText, readMarkdown, readPlainText } from './text.js';

// The pipeline's one import: the function, its types, its limits.
export * from './extract-types.js';
export { OCR_MODEL, OCR_TIMEOUT_MS } from './ocr.js';

/**
 * A text layer with fewer visible characters than this per page is empty: a scan, perhaps with
 * a stamped page number. Such PDFs go to OCR (when allowed) instead.
 */
export const MIN_TEXT_CHARS_PER_PAGE = 16;

interface Extracted {
  title: string | undefined;
  markdown: string;
  pages?: number;
  ocrPages?: number;
  warnings?: string[];
}

/** Extracts a document; failures are ExtractError with a reason and a sentence for the admin. */
export async function extractDocument(input: ExtractInput): Promise<ExtractedDocument> {
  throwIfAborted(input.signal);
  const bytes = typeof input.data === 'string' ? Buffer.from(input.data, 'utf8') : input.data;
  if (bytes.byteLength > MAX_SOURCE_BYTES) {
    throw new ExtractError('too_large', `This document is ${mb(bytes.byteLength)} MB; the limit is ${mb(MAX_SOURCE_BYTES)} MB.`);
  }
  if (bytes.byteLength === 0) throw new ExtractError('empty_text', 'This document is empty.');
  // Pasted text without a type is Markdown (plain text reads the same as Markdown).
  const contentType = input.contentType ?? (typeof input.data === 'string' && !input.fileName ? 'text/markdown' : undefined);
  const { format, mimeType } = detectType(bytes, contentType, input.fileName);

  const extracted = await read(format, mimeType, bytes, input);
  throwIfAborted(input.signal);
  let { markdown } = extracted;
  const warnings = [...(extracted.warnings ?? [])];
  let truncated = warnings.length > 0;
  if (markdown.length > MAX_MARKDOWN_CHARS) {
    // Cut at a paragraph so no block is left half-written.
    const cut = markdown.lastIndexOf('\n\n', MAX_MARKDOWN_CHARS);
    markdown = markdown.slice(0, cut > MAX_MARKDOWN_CHARS / 2 ? cut : MAX_MARKDOWN_CHARS);
    truncated = true;
    warnings.push(`Only the first ${MAX_MARKDOWN_CHARS.toLocaleString('en')} characters of this document were kept.`);
  }
  if (!/[\p{L}\p{N}]/u.test(markdown.replace(/<!-- page \d+ -->/g, ''))) {
    throw new ExtractError('empty_text', 'No text was found in this document.');
  }
  return {
    format,
    title: extracted.title ?? titleFromFileName(input.fileName),
    markdown,
    ...(extracted.pages !== undefined && { pages: extracted.pages }),
    ocrPages: extracted.ocrPages ?? 0,
    truncated,
    warnings,
  };
}

async function read(format: DocumentFormat, mimeType: string, bytes: Uint8Array, input: ExtractInput): Promise<Extracted> {
  const text = () => decodeText(input.data, input.contentType, format === 'html');
  switch (format) {
    case 'html':
      return htmlToMarkdown(text(), input.url);
    case 'markdown':
      return readMarkdown(text());
    case 'text':
      return readPlainText(text());
    case 'docx':
      return docxToMarkdown(bytes);
    case 'image':
      return ocrMarkdown({ bytes, mimeType }, input.ocr, input.signal);
    case 'pdf':
      return readPdf(bytes, input);
  }
}

async function readPdf(bytes: Uint8Array, input: ExtractInput): Promise<Extracted> {
  const pdf = await readPdfText(bytes, input.signal);
  const warnings = pdf.pageCount > MAX_PDF_PAGES ? [`Only the first ${MAX_PDF_PAGES} of ${pdf.pageCount} pages were read.`] : [];
  if (pdf.visibleChars < MIN_TEXT_CHARS_PER_PAGE * pdf.pages.length) {
    const ocr = await ocrMarkdown({ bytes, mimeType: 'application/pdf', maxPages: Math.min(pdf.pageCount, MAX_PDF_PAGES) }, input.ocr, input.signal);
    return { title: ocr.title ?? pdf.title, markdown: ocr.markdown, pages: pdf.pageCount, ocrPages: ocr.ocrPages, warnings };
  }
  if (pdf.truncated && warnings.length === 0) warnings.push(`Only the first ${pdf.pages.length} of ${pdf.pageCount} pages were read: the document is longer than Parley keeps.`);
  const markdown = layoutPages(pdf.pages);
  const heading = /^#[ \t]+(.+)$/m.exec(markdown)?.[1]?.trim();
  return { title: heading ?? pdf.title, markdown, pages: pdf.pageCount, warnings };
}

function titleFromFileName(fileName: string | undefined): string | undefined {
  const base = fileName?.split(/[\\/]/).pop()?.replace(/\.[a-z0-9]+$/i, '').replace(/[_-]+/g, ' ').trim();
  return base || undefined;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '');
}
