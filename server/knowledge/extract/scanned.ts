// Documents without a text layer (scanned PDFs, images): read by Mistral OCR, but only when the
// workspace allows its documents to be sent to Mistral and a key is there to pay for it.
import { ExtractError, type OcrPermission } from './extract-types.js';
import { runOcr, type OcrDocument } from './ocr.js';
import { pageMarker } from './pdf-layout.js';
import { normaliseText } from './text.js';

export interface OcrMarkdown {
  title: string | undefined;
  markdown: string;
  ocrPages: number;
}

/** Markdown by OCR, or `needs_ocr` saying what the admin can do about it. */
export async function ocrMarkdown(
  document: OcrDocument,
  permission: OcrPermission | undefined,
  signal: AbortSignal | undefined,
): Promise<OcrMarkdown> {
  const what = document.mimeType === 'application/pdf' ? 'This PDF has no text layer (it looks scanned)' : 'This image holds no text layer';
  if (!permission?.allowed) {
    throw new ExtractError('needs_ocr', `${what}. To read it, allow OCR in the knowledge settings: Parley then sends such documents to Mistral for text recognition.`);
  }
  if (!permission.apiKey) {
    throw new ExtractError('needs_ocr', `${what}, and OCR is allowed but there is no Mistral API key to run it: add one in the Mistral key settings.`);
  }
  const result = await runOcr(document, { apiKey: permission.apiKey, serverUrl: permission.serverUrl, timeoutMs: permission.timeoutMs, signal });
  const isPdf = document.mimeType === 'application/pdf';
  const parts = result.pages.map((page) => {
    const text = cleanOcrMarkdown(page.markdown);
    return isPdf ? `${pageMarker(page.index + 1)}\n\n${text}` : text;
  });
  const markdown = normaliseText(parts.join('\n\n'));
  const title = /^#{1,2}[ \t]+(.+?)[ \t#]*$/m.exec(markdown)?.[1]?.trim() || undefined;
  return { title, markdown, ocrPages: result.pagesProcessed };
}

/** OCR Markdown refers to the pictures it cut out (`![img-0.jpeg](img-0.jpeg)`), which we do not keep. */
function cleanOcrMarkdown(markdown: string): string {
  return markdown.replace(/!\[[^\]]*\]\([^)]*\)/g, '').replace(/\n{3,}/g, '\n\n').trim();
}
