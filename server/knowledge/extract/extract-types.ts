// What extraction promises the ingestion pipeline: its limits, its result and its one error type.

/** The largest file or page accepted, in bytes (20 MiB). */
export const MAX_SOURCE_BYTES = 20 * 1024 * 1024;
/** Pages read from one PDF (text layer or OCR); the rest is left out with a warning. */
export const MAX_PDF_PAGES = 1000;
/** Characters of Markdown kept from one document (about 500,000 tokens); the rest is cut with a warning. */
export const MAX_MARKDOWN_CHARS = 2_000_000;
/** Bytes a DOCX may expand to once unzipped: a small file that inflates to gigabytes is refused. */
export const MAX_DOCX_UNZIPPED_BYTES = 200 * 1024 * 1024;

/** The formats Parley reads. */
export type DocumentFormat = 'html' | 'markdown' | 'text' | 'pdf' | 'docx' | 'image';

export interface ExtractedDocument {
  format: DocumentFormat;
  /** The page or document title when it has one (HTML <title>/<h1>, front matter, first heading, DOCX heading). */
  title: string | undefined;
  /**
   * Markdown: headings, lists, links, code and tables where the source had them. PDF pages are
   * separated by `<!-- page N -->` lines (1-based), which the chunker reads to tell each chunk's page.
   */
  markdown: string;
  /** Pages in the source (PDFs), whether read from the text layer or by OCR. */
  pages?: number;
  /** Pages Mistral OCR processed for this document (0 when OCR was not used): what the workspace pays for. */
  ocrPages: number;
  /** True when a page or character cap cut the document short (see warnings). */
  truncated: boolean;
  /** Sentences for the admin about anything left out. */
  warnings: string[];
}

export type ExtractFailureReason =
  /** Not a format Parley reads (or an old binary one such as .doc). */
  | 'unsupported_type'
  /** Over MAX_SOURCE_BYTES, a DOCX that unzips beyond MAX_DOCX_UNZIPPED_BYTES, or (in a worker) more memory than allowed. */
  | 'too_large'
  /** Read fine, but holds no text. */
  | 'empty_text'
  /** Claims a format but cannot be parsed as it. */
  | 'corrupt_file'
  /** A password-protected PDF. */
  | 'encrypted'
  /** A scanned PDF or an image, and OCR is not allowed for the workspace or has no key. */
  | 'needs_ocr'
  /** Mistral OCR was called and failed; `retryable` tells a rate limit or outage from a refusal. */
  | 'ocr_failed'
  /** Reading it took longer than allowed (extractInWorker's time limit). */
  | 'timeout'
  /** The caller's signal stopped it. */
  | 'aborted';

/** A document that could not be turned into text. The message is a sentence for the workspace admin. */
export class ExtractError extends Error {
  override name = 'ExtractError';
  constructor(
    readonly reason: ExtractFailureReason,
    message: string,
    /** Worth trying again later (OCR rate limited, unavailable or timed out); false for everything else. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** Whether the workspace lets scanned documents and images go to Mistral OCR, and with which key. */
export interface OcrPermission {
  /** The workspace's knowledge setting allowing documents to be sent to Mistral. */
  allowed: boolean;
  /** The key to use (the workspace's own or the operator's); none means no OCR. */
  apiKey: string | undefined;
  /** config.mistral.serverUrl. */
  serverUrl: string;
  /** How long one OCR call may take; default OCR_TIMEOUT_MS. */
  timeoutMs?: number;
}

export interface ExtractInput {
  /** The file's bytes, or text already decoded (pasted text). */
  data: Uint8Array | string;
  /** The HTTP Content-Type or upload MIME type, parameters allowed (`text/html; charset=iso-8859-1`). */
  contentType?: string;
  /** The uploaded file name or the URL's last path segment: its extension helps when the type is vague. */
  fileName?: string;
  /** Where the document came from: relative links in HTML are resolved against it. */
  url?: string;
  /** Absent: OCR not allowed. */
  ocr?: OcrPermission;
  signal?: AbortSignal;
}

/** Throws `aborted` once the caller's signal has fired; extraction checks it between pages. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExtractError('aborted', 'Extraction was stopped before it finished.');
}
