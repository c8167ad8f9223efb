// Which reader a document goes to: the bytes' signature first (servers and browsers mislabel
// files), then the declared content type, then the file name's extension.
import { ExtractError, type DocumentFormat } from './extract-types.js';

export interface DetectedType {
  format: DocumentFormat;
  /** The MIME type to declare when the bytes are sent on (OCR data URLs). */
  mimeType: string;
}

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const BY_MIME: Record<string, DetectedType> = {
  'text/html': { format: 'html', mimeType: 'text/html' },
  'application/xhtml+xml': { format: 'html', mimeType: 'text/html' },
  'text/markdown': { format: 'markdown', mimeType: 'text/markdown' },
  'text/x-markdown': { format: 'markdown', mimeType: 'text/markdown' },
  'text/plain': { format: 'text', mimeType: 'text/plain' },
  'application/pdf': { format: 'pdf', mimeType: 'application/pdf' },
  [DOCX_MIME]: { format: 'docx', mimeType: DOCX_MIME },
  'image/png': { format: 'image', mimeType: 'image/png' },
  'image/jpeg': { format: 'image', mimeType: 'image/jpeg' },
  'image/webp': { format: 'image', mimeType: 'image/webp' },
};

const BY_EXTENSION: Record<string, string> = {
  html: 'text/html', htm: 'text/html', xhtml: 'application/xhtml+xml',
  md: 'text/markdown', markdown: 'text/markdown', mdown: 'text/markdown', mkd: 'text/markdown',
  txt: 'text/plain', text: 'text/plain',
  pdf: 'application/pdf', docx: DOCX_MIME,
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp',
};

/** Formats people upload that we deliberately do not read, with what to do instead. */
const REFUSED: Record<string, string> = {
  doc: 'Old Word documents (.doc) cannot be read: save it as .docx or PDF and upload that.',
  'application/msword': 'Old Word documents (.doc) cannot be read: save it as .docx or PDF and upload that.',
  rtf: 'RTF files cannot be read: save it as .docx, PDF or plain text and upload that.',
  odt: 'OpenDocument files cannot be read: save it as .docx or PDF and upload that.',
  pptx: 'Presentations cannot be read: export it as PDF and upload that.',
  xlsx: 'Spreadsheets cannot be read: export the sheet as CSV pasted into a text source, or as PDF.',
  gif: 'GIF images cannot be read: upload a PNG, JPEG or WebP image.',
};

/** Parley's type for a document, or an `unsupported_type` / `corrupt_file` ExtractError. */
export function detectType(bytes: Uint8Array, contentType: string | undefined, fileName: string | undefined): DetectedType {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const extension = /\.([a-z0-9]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase() ?? '';
  const sniffed = sniff(bytes);
  if (sniffed) return sniffed;
  const refused = REFUSED[mime] ?? REFUSED[extension];
  if (refused) throw new ExtractError('unsupported_type', refused);

  // A file sent as text/plain but named .md is Markdown; generic binary types say nothing.
  const vague = mime === '' || mime === 'application/octet-stream' || mime === 'binary/octet-stream' || mime === 'text/plain';
  const declared = BY_MIME[mime];
  const byName = BY_MIME[BY_EXTENSION[extension] ?? ''];
  const chosen = vague ? (byName ?? declared) : declared;
  if (!chosen) {
    const what = mime && !vague ? `"${mime}"` : extension ? `.${extension}` : 'this kind of file';
    throw new ExtractError('unsupported_type', `Parley cannot read ${what}: upload PDF, DOCX, HTML, Markdown, plain text, or a PNG, JPEG or WebP image.`);
  }
  // The signature did not match, so a file claiming a binary format is not what it says.
  if (chosen.format === 'pdf' || chosen.format === 'docx' || chosen.format === 'image') {
    throw new ExtractError('corrupt_file', `This file is labelled ${chosen.format === 'image' ? 'an image' : `a ${chosen.format.toUpperCase()}`} but its content is not one; it may be damaged or misnamed.`);
  }
  if (looksBinary(bytes)) throw new ExtractError('unsupported_type', 'This file is binary, not text: upload PDF, DOCX, HTML, Markdown or plain text.');
  return chosen;
}

function sniff(bytes: Uint8Array): DetectedType | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  // PDF readers accept junk before the header; 1 KiB is what Acrobat tolerates.
  if (asciiHead(bytes, 1024).includes('%PDF-')) return BY_MIME['application/pdf'];
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return BY_MIME['image/png'];
  if (starts(0xff, 0xd8, 0xff)) return BY_MIME['image/jpeg'];
  if (starts(0x52, 0x49, 0x46, 0x46) && asciiHead(bytes, 12).slice(8) === 'WEBP') return BY_MIME['image/webp'];
  // A ZIP with a Word part is a DOCX whatever it is called.
  if (starts(0x50, 0x4b, 0x03, 0x04) && asciiHead(bytes, 64 * 1024).includes('word/')) return BY_MIME[DOCX_MIME];
  return undefined;
}

function asciiHead(bytes: Uint8Array, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(length, bytes.byteLength)).toString('latin1');
}

/** NUL bytes occur in text only as UTF-16, which announces itself with a byte order mark. */
function looksBinary(bytes: Uint8Array): boolean {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return !utf16 && bytes.subarray(0, 8192).includes(0);
}
