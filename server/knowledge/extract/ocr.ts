// Mistral OCR through the official SDK: the document goes inline as a base64 data URL (nothing is
// uploaded to Mistral's file store), and Markdown comes back per page.
import { Mistral } from '@mistralai/mistralai';
import { MistralError } from '@mistralai/mistralai/models/errors';
import { ExtractError } from './extract-types.js';

export const OCR_MODEL = 'mistral-ocr-latest';
/** How long one OCR call may take unless the caller says otherwise: a long PDF takes minutes. */
export const OCR_TIMEOUT_MS = 180_000;

export interface OcrDocument {
  bytes: Uint8Array;
  /** application/pdf, image/png, image/jpeg or image/webp. */
  mimeType: string;
  /** Pages to process, from the first (PDFs only; Mistral counts from 0). */
  maxPages?: number;
}

export interface OcrCall {
  apiKey: string;
  serverUrl: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OcrResult {
  /** Markdown per page, in page order; `index` counts from 0 as Mistral does. */
  pages: { index: number; markdown: string }[];
  pagesProcessed: number;
}

/** Runs OCR on one document; failures are ExtractError `ocr_failed` (retryable for rate limits, outages, timeouts) or `aborted`. */
export async function runOcr(document: OcrDocument, call: OcrCall): Promise<OcrResult> {
  const timeoutMs = call.timeoutMs ?? OCR_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  const url = `data:${document.mimeType};base64,${Buffer.from(document.bytes).toString('base64')}`;
  const isPdf = document.mimeType === 'application/pdf';
  try {
    const client = new Mistral({ apiKey: call.apiKey, serverURL: call.serverUrl });
    const response = await client.ocr.process(
      {
        model: OCR_MODEL,
        document: isPdf ? { type: 'document_url', documentUrl: url } : { type: 'image_url', imageUrl: url },
        ...(isPdf && document.maxPages !== undefined && { pages: `0-${document.maxPages - 1}` }),
        includeImageBase64: false,
        // The SDK asks for layout blocks by default; we read only the Markdown.
        includeBlocks: false,
      },
      // The job queue retries with back-off; the SDK retrying inside would hide how long it took.
      { signal, retries: { strategy: 'none' } },
    );
    const pages = [...response.pages].sort((a, b) => a.index - b.index).map((p) => ({ index: p.index, markdown: p.markdown }));
    return { pages, pagesProcessed: response.usageInfo.pagesProcessed };
  } catch (err) {
    if (call.signal?.aborted) throw new ExtractError('aborted', 'Extraction was stopped before OCR finished.');
    if (timeout.aborted) throw new ExtractError('ocr_failed', `Mistral OCR did not answer within ${Math.round(timeoutMs / 1000)} seconds; it will be tried again.`, true);
    throw failure(err);
  }
}

function failure(err: unknown): ExtractError {
  if (err instanceof MistralError) {
    const status = err.statusCode;
    if (status >= 200 && status < 300) return new ExtractError('ocr_failed', 'Mistral OCR answered in a form Parley could not read; it will be tried again.', true);
    if (status === 401 || status === 403) return new ExtractError('ocr_failed', 'Mistral refused the API key for OCR: check the Mistral key settings.');
    if (status === 429) return new ExtractError('ocr_failed', 'Mistral OCR is rate limited right now; it will be tried again.', true);
    if (status >= 500) return new ExtractError('ocr_failed', `Mistral OCR is unavailable (HTTP ${status}); it will be tried again.`, true);
    return new ExtractError('ocr_failed', `Mistral OCR refused this document (HTTP ${status}); it may be damaged or too large.`);
  }
  // No answer at all (connection refused, DNS), or an answer the SDK could not read.
  return new ExtractError('ocr_failed', 'Mistral OCR could not be reached; it will be tried again.', true);
}
